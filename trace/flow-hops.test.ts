import { describe, expect, it } from 'vitest';
import { LabScript } from './sim/lab-script.ts';
import { broadcast, fetchSockets, serverSideEmit } from './sim/lab-traffic.ts';
import { hopsOf } from './flow-hops.ts';
import { randomLab, toEnvelopes } from './sim/random-lab.ts';
import { reduceAll } from './reducer.ts';

function lab(): LabScript {
  const s = new LabScript().serverUp('s1').serverUp('s2').serverUp('s3');
  return s.connect('c1', 's1').connect('c2', 's2', ['blue']).connect('c3', 's3');
}

describe('hopsOf', () => {
  it('a chat broadcast goes emit, publish, local deliver, result, receipts, remote delivers, client receipts', () => {
    const s = lab();
    const id = broadcast(s, 'c1') as string;
    // Sources in reverse order (each keeps its own order): causal order must not depend on it.
    const bySource = (src: string) => s.events.filter((_, i) => s.sources[i] === src);
    const arrival = ['hub', 's3', 's2', 's1'].flatMap(bySource);
    expect(arrival.length).toBe(s.events.length);
    const hops = hopsOf(reduceAll(arrival).flows[id]);
    expect(hops.map((h) => `${h.kind}:${h.server}`)).toEqual([
      'client.emit:s1',
      'publish:s1',
      'deliver:s1',
      'publish.result:s1',
      ...['receive:s3', 'receive:s2', 'receive:s1'],
      ...['deliver:s3', 'deliver:s2'],
      // The hub reports client receipts in its own order: s1's local one came first.
      ...['client.receive:s1', 'client.receive:s2', 'client.receive:s3'],
    ]);
    expect(hops.map((h) => h.step)).toEqual([8, 8, 8, 9, 9, 9, 9, 9, 9, 10, 10, 10]);
    expect(hops.find((h) => h.decision === 'own-message')?.text).toContain('drops its own message');
    expect(hops.find((h) => h.kind === 'publish.result')?.receivers).toBe(3);
  });

  it('a refused SPUBLISH is called SPUBLISH', () => {
    const at = { seq: 1, t: 1, server: 's1', flow: 'f' } as const;
    const state = reduceAll([
      {
        ...at,
        kind: 'publish',
        step: 8,
        command: 'SPUBLISH',
        channel: 'socket.io#/#',
        bytes: 9,
        pubId: 1,
      },
      {
        ...at,
        seq: 2,
        kind: 'publish.result',
        step: 9,
        pubId: 1,
        channel: 'socket.io#/#',
        error: 'Connection is closed.',
        ms: 0,
      },
    ]);
    expect(hopsOf(state.flows.f).map((h) => h.text)[1]).toBe(
      "Redis refuses s1's SPUBLISH: Connection is closed.",
    );
  });

  it('a room emit narrates the unknown room', () => {
    const s = lab();
    const id = broadcast(s, 'c2', 'blue') as string;
    const hops = hopsOf(reduceAll(s.events).flows[id]);
    const drops = hops.filter((h) => h.decision === 'unknown-room').map((h) => h.server);
    expect(drops.sort()).toEqual(['s1', 's3']);
  });

  it('a request comes before its responses', () => {
    const s = lab();
    const id = fetchSockets(s, 's1') as string;
    const hops = hopsOf(reduceAll(s.events).flows[id]);
    const kinds = hops.map((h) => `${h.kind}:${h.channel}`);
    const lastRequest = kinds.lastIndexOf('receive:socket.io-request#/#');
    const firstResponse = kinds.indexOf('publish:socket.io-response#/#');
    expect(lastRequest).toBeGreaterThan(0);
    expect(firstResponse).toBeGreaterThan(lastRequest);
  });

  it('io.local deliveries in a request handler come after the receipts, and the emit names the origin', () => {
    const s = lab();
    const id = serverSideEmit(s, 'c3') as string;
    // s1 and s2 report before s3: their local deliveries arrive before s3's client.emit.
    const bySource = (src: string) => s.events.filter((_, i) => s.sources[i] === src);
    const state = reduceAll(['s1', 's2', 'hub', 's3'].flatMap(bySource));
    expect(state.flows[id]).toMatchObject({ origin: 's3', originFrom: 'client.emit' });
    const hops = hopsOf(state.flows[id]).map((h) => `${h.kind}:${h.server}`);
    expect(hops.slice(0, 2)).toEqual(['client.emit:s3', 'publish:s3']);
    expect(hops.indexOf('deliver:s1')).toBeGreaterThan(hops.indexOf('receive:s1'));
  });

  it('every hop of every flow is accounted for, whatever the arrival order', () => {
    const { script } = randomLab(11, 80);
    const state = reduceAll(toEnvelopes(script, 11).flatMap((e) => e.events));
    for (const flow of Object.values(state.flows)) {
      const hops = hopsOf(flow);
      const results = flow.publishes.filter((p) => p.receivers !== undefined || p.error).length;
      expect(hops.length).toBe(
        (flow.emit ? 1 : 0) +
          flow.publishes.length +
          results +
          flow.receipts.length +
          flow.deliveries.length +
          flow.clientReceipts.length,
      );
      const steps = hops.map((h) => h.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
    }
  });
});
