import { describe, expect, it } from 'vitest';
import type { ClusterNodeStats, LabEvent } from '../../../../trace/events.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { clusterBusWords } from './cluster-bus-words.ts';

type Bus = ClusterNodeStats['bus'];
const bus = (publishSent = 0, publishReceived = 0): Bus => ({
  publishSent,
  publishReceived,
  shardSent: 0,
  shardReceived: 0,
});
let seq = 0;
const report = (from: number, t: number, b: Bus[]): LabEvent =>
  ({
    kind: 'cluster.nodes',
    server: 'hub',
    step: 9,
    seq: ++seq,
    t,
    readFrom: from,
    busSent: { publish: 0, shard: 0 },
    nodes: b.map((x, i) => ({
      name: `n${i + 1}`,
      address: `127.0.0.1:700${i + 1}`,
      role: 'master',
      slots: ['0-5460', '5461-10922', '10923-16383'][i],
      state: 'up',
      bus: x,
      channels: [],
      shardChannels: [],
      clients: [],
    })),
  }) as LabEvent;
const publish = (t: number): LabEvent[] =>
  [
    {
      kind: 'publish',
      server: 's1',
      flow: 'f1',
      step: 8,
      seq: ++seq,
      t,
      command: 'PUBLISH',
      channel: 'socket.io#/#',
      bytes: 9,
      pubId: 1,
      node: '127.0.0.1:7002',
    },
    {
      kind: 'publish.result',
      server: 's1',
      flow: 'f1',
      step: 9,
      seq: ++seq,
      t: t + 3,
      channel: 'socket.io#/#',
      pubId: 1,
      receivers: 0,
      ms: 3,
    },
  ] as LabEvent[];

describe("a broadcast's trip over the cluster bus, in words", () => {
  it('says where it landed, what Redis should send, and what the counters say', () => {
    const words = clusterBusWords(
      reduceAll([
        report(0, 10, [bus(), bus(), bus()]),
        ...publish(500),
        report(1000, 1010, [bus(0, 1), bus(2), bus(0, 1)]),
      ]),
      'f1',
    );
    expect(words).toEqual({
      lines: [
        'PUBLISH went to n2 (127.0.0.1:7002).',
        'Expected: a classic PUBLISH goes to every other node: 2 bus messages.',
        "Measured by the nodes' counters: 2 bus messages (n2 sent 2, n1 got 1, n3 got 1).",
      ],
      agrees: true,
    });
  });

  it('says when the counters disagree with what Redis should do', () => {
    const words = clusterBusWords(
      reduceAll([
        report(0, 10, [bus(), bus(), bus()]),
        ...publish(500),
        report(1000, 1010, [bus(0, 2), bus(4), bus(0, 2)]),
      ]),
      'f1',
    );
    expect(words?.agrees).toBe(false);
    expect(words?.lines.at(-1)).toBe(
      'The counters say 4, not 2: something else published on the cluster then.',
    );
  });

  it('waits for the next read, and says nothing off a cluster', () => {
    const waiting = clusterBusWords(
      reduceAll([report(0, 10, [bus(), bus(), bus()]), ...publish(500)]),
      'f1',
    );
    expect(waiting?.lines.at(-1)).toMatch(/^Measured: waiting/);
    expect(clusterBusWords(reduceAll(publish(500)), 'f1')).toBeUndefined();
  });
});
