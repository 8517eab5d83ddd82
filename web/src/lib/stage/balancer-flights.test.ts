import { describe, expect, it } from 'vitest';
import type { HttpRequest, TransportUpgrade } from '../../../../trace/events.ts';
import type { BalancerBox } from './balancer-column.ts';
import { answerLabel, fittingLabel, flightOf, isBalanced, newSince } from './balancer-flights.ts';
import { approxMeasure } from './text-measure.ts';

const bar: BalancerBox = {
  x: 250,
  w: 20,
  top: 10,
  bottom: 190,
  ends: {
    s1: { from: { x: 260, y: 50 }, to: { x: 300, y: 50 } },
    s2: { from: { x: 260, y: 150 }, to: { x: 300, y: 150 } },
  },
  textX: 264,
};
const clientAt = (c: string) => (c === 'c1' ? { x: 40, y: 60 } : undefined);
const F = 10;

const request = (over: Partial<HttpRequest>): HttpRequest => ({
  kind: 'http.request',
  seq: 1,
  t: 0,
  server: 's2',
  step: '1a',
  what: 'poll',
  method: 'GET',
  transport: 'polling',
  status: 200,
  ms: 1,
  balancer: 'round-robin',
  ...over,
});

describe('flights', () => {
  it('go from the client through the bar to the server that got the request', () => {
    const f = flightOf(request({ client: 'c1' }), 'k', bar, clientAt, F);
    expect(f).toMatchObject({ server: 's2', tone: 'ok', label: 'GET 200', short: '200' });
    expect(f?.path).toBe('M40,60 L260,150 L300,150');
    // The answer is written just past the bar, above that server's line, up to the server.
    expect(f?.at).toEqual({ x: 264, y: 146.5 });
    expect(f?.room).toBe(34);
  });
  it('start at the bar for a client the stage does not show', () => {
    expect(flightOf(request({ client: 'c9' }), 'k', bar, clientAt, F)?.path).toBe(
      'M230,150 L260,150 L300,150',
    );
  });
  it.each([
    [request({ status: 400, error: 'Session ID unknown' }), 'refused', '400 Session ID unknown'],
    [request({ what: 'upgrade', status: 101, transport: 'websocket' }), 'upgrade', '101 WebSocket'],
    [request({ what: 'send', method: 'POST' }), 'ok', 'POST 200'],
  ] as const)('say what the server answered: %#', (e, tone, label) => {
    expect(flightOf(e, 'k', bar, clientAt, F)).toMatchObject({ tone, label });
  });
  it('say only the status where the gap to the server is narrow', () => {
    const f = flightOf(
      request({ status: 400, error: 'Session ID unknown' }),
      'k',
      bar,
      clientAt,
      F,
    )!;
    expect(fittingLabel(f, 200, 12, approxMeasure)).toBe('400 Session ID unknown');
    expect(fittingLabel(f, 40, 12, approxMeasure)).toBe('400');
  });
  it('only for requests the balancer passed on, to a server on the stage', () => {
    expect(isBalanced(request({}))).toBe(true);
    expect(isBalanced(request({ balancer: undefined }))).toBe(false);
    expect(flightOf(request({ server: 's7' }), 'k', bar, clientAt, F)).toBeNull();
    const up: TransportUpgrade = {
      kind: 'transport.upgrade',
      seq: 2,
      t: 0,
      server: 's1',
      step: '1b',
      sid: 'x',
      from: 'polling',
      to: 'websocket',
      balancer: 'sticky',
    };
    expect(answerLabel(up)).toBe('upgraded');
  });
});

describe('newSince', () => {
  it('gives the events after the last look, by index in the kept events', () => {
    expect(newSince(-1, 0, 10)).toEqual({ from: 10, seen: 10 });
    expect(newSince(10, 0, 14)).toEqual({ from: 10, seen: 14 });
  });

  it('does not skip the events that came with a fold', () => {
    // 500 events let go from the front while 3 arrived: the 3 new ones are the last 3 kept.
    expect(newSince(50_000, 500, 49_503)).toEqual({ from: 49_500, seen: 50_003 });
  });

  it('starts afresh when the timeline does', () => {
    expect(newSince(50_003, 0, 4)).toEqual({ from: 4, seen: 4 });
  });
});
