import { describe, expect, it } from 'vitest';
import type { HttpRequest, TransportUpgrade } from '../../../../trace/events.ts';
import {
  answerLabel,
  balancerBar,
  fittingLabel,
  flightOf,
  isBalanced,
  type BalancerStage,
} from './balancer-flights.ts';

const stage: BalancerStage = {
  servers: [
    { id: 's1', left: { x: 300, y: 50 }, band: [10, 90] },
    { id: 's2', left: { x: 300, y: 150 }, band: [110, 190] },
  ],
  clientsRight: 200,
  clientAt: (c) => (c === 'c1' ? { x: 40, y: 60 } : undefined),
};

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

describe('balancerBar', () => {
  it('stands halfway between the clients and the servers, as tall as their bands', () => {
    expect(balancerBar(stage)).toEqual({
      x: 250,
      top: 10,
      bottom: 190,
      ends: {
        s1: { from: { x: 250, y: 50 }, to: { x: 300, y: 50 } },
        s2: { from: { x: 250, y: 150 }, to: { x: 300, y: 150 } },
      },
    });
  });
  it('is not drawn without servers', () => {
    expect(balancerBar({ ...stage, servers: [] })).toBeNull();
  });
});

describe('flights', () => {
  const bar = balancerBar(stage)!;
  it('go from the client through the bar to the server that got the request', () => {
    const f = flightOf(request({ client: 'c1' }), 'k', bar, stage);
    expect(f).toMatchObject({ server: 's2', tone: 'ok', label: 'GET 200', short: '200' });
    expect(f?.path).toBe('M40,60 L250,150 L300,150');
    // The answer is written just past the bar, above that server's line.
    expect(f?.at).toEqual({ x: 260, y: 145 });
  });
  it('start at the bar for a client the stage does not show', () => {
    expect(flightOf(request({ client: 'c9' }), 'k', bar, stage)?.path).toBe(
      'M210,150 L250,150 L300,150',
    );
  });
  it.each([
    [request({ status: 400, error: 'Session ID unknown' }), 'refused', '400 Session ID unknown'],
    [request({ what: 'upgrade', status: 101, transport: 'websocket' }), 'upgrade', '101 WebSocket'],
    [request({ what: 'send', method: 'POST' }), 'ok', 'POST 200'],
  ] as const)('say what the server answered: %#', (e, tone, label) => {
    expect(flightOf(e, 'k', bar, stage)).toMatchObject({ tone, label });
  });
  it('say only the status where the gap to the server is narrow', () => {
    const f = flightOf(request({ status: 400, error: 'Session ID unknown' }), 'k', bar, stage)!;
    expect(fittingLabel(f, 200, 12)).toBe('400 Session ID unknown');
    expect(fittingLabel(f, 40, 12)).toBe('400');
  });
  it('only for requests the balancer passed on, to a server on the stage', () => {
    expect(isBalanced(request({}))).toBe(true);
    expect(isBalanced(request({ balancer: undefined }))).toBe(false);
    expect(flightOf(request({ server: 's7' }), 'k', bar, stage)).toBeNull();
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
