import { describe, expect, it } from 'vitest';
import { causalRank, inCausalOrder, RANK } from './causal-order.ts';
import { hopsOf } from './flow-hops.ts';
import { LabScript } from './sim/lab-script.ts';
import { broadcast, fetchSockets } from './sim/lab-traffic.ts';
import { reduceAll } from './reducer.ts';

function lab(): LabScript {
  const s = new LabScript().serverUp('s1').serverUp('s2').serverUp('s3');
  return s.connect('c1', 's1').connect('c2', 's2').connect('c3', 's3');
}

const label = (h: { kind: string; server?: string; channel?: string }) =>
  `${h.kind}:${h.server}:${h.channel ?? ''}`;

describe('causal order', () => {
  it('the events of a flow, ordered on their own, come in the order of its narrated hops', () => {
    for (const make of [
      (s: LabScript) => broadcast(s, 'c1'),
      (s: LabScript) => fetchSockets(s, 's1'),
    ]) {
      const s = lab();
      const id = make(s) as string;
      // Newest first: the order must come from the ranks, not from arrival.
      const events = s.events.filter((e) => e.flow === id).reverse();
      const hops = hopsOf(reduceAll(s.events).flows[id]);
      const ranked = inCausalOrder(events).filter((e) => causalRank(e) !== RANK.other);
      expect(ranked.map((e) => causalRank(e))).toEqual(hops.map((h) => causalRank(h)));
      expect(new Set(ranked.map(label))).toEqual(new Set(hops.map(label)));
    }
  });

  it("a response's PUBLISH, its answer and its receipts follow the request's", () => {
    const request = { channel: 'socket.io-request#/#' };
    const response = { channel: 'socket.io-response#/#' };
    const order = (['publish', 'publish.result', 'receive'] as const).flatMap((kind) => [
      causalRank({ kind, ...request }),
      causalRank({ kind, ...response }),
    ]);
    expect(order).toEqual([
      RANK.publish,
      RANK.responsePublish,
      RANK.publishResult,
      RANK.responseResult,
      RANK.receive,
      RANK.responseReceive,
    ]);
  });

  it('a local delivery away from the origin (io.local in a handler) follows the receipts', () => {
    const local = { kind: 'deliver', origin: 'local', server: 's2' } as const;
    expect(causalRank(local)).toBe(RANK.localDeliver);
    expect(causalRank(local, 's2')).toBe(RANK.localDeliver);
    expect(causalRank(local, 's1')).toBe(RANK.remoteDeliver);
    expect(causalRank({ kind: 'server.up' })).toBe(RANK.other);
  });
});
