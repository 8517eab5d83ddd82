import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { stageModel } from '../stage/stage-model.ts';
import { layoutLog } from '../stage/stream-log-layout.ts';
import { holdsSlot, keySlot } from '../../../../trace/cluster-slots.ts';

/** Three servers on the streams adapter, five entries from s1, and where each server read. */
function streamsLab(reads: Record<string, number>): LabEvent[] {
  let seq = 0;
  const e = (server: string, rest: Record<string, unknown>) =>
    ({ seq: ++seq, t: seq, server, step: 1, ...rest }) as unknown as LabEvent;
  const events: LabEvent[] = [];
  for (const s of ['s1', 's2', 's3']) {
    events.push(e(s, { kind: 'server.up', port: 1, adapter: 'streams' }));
    events.push(
      e(s, {
        kind: 'adapter.attach',
        adapter: 'streams',
        nsp: '/',
        channels: [],
        uid: `${s}u`,
        stream: { name: 'lab', maxLen: 3 },
      }),
    );
  }
  for (let n = 1; n <= 5; n++) {
    const flow = `s1-${n}`;
    events.push(
      e('s1', { kind: 'publish', command: 'XADD', channel: 'lab', bytes: 9, pubId: n, flow }),
      e('s1', {
        kind: 'publish.result',
        pubId: n,
        channel: 'lab',
        entryId: `100-${n}`,
        ms: 1,
        flow,
      }),
    );
    for (const [s, upTo] of Object.entries(reads))
      if (n <= upTo)
        events.push(
          e(s, {
            kind: 'receive',
            channel: 'lab',
            via: 'xread',
            entryId: `100-${n}`,
            bytes: 9,
            decision: s === 's1' ? 'own-message' : 'delivered',
            flow,
          }),
        );
  }
  return events;
}

describe('the streams adapter in Redis', () => {
  it('is a stream drawn as a log: its entries, where each server reads, and what MAXLEN ~ trimmed', () => {
    const state = reduceAll(streamsLab({ s1: 5, s2: 5, s3: 2 }));
    expect(state.redis.streams?.lab).toMatchObject({ maxLen: 3, appended: 5 });
    const scene = stageModel(state, null, false).scene;
    expect(scene.publish).toBe('XADD');
    const [stream, requests] = scene.nodes;
    expect(stream).toMatchObject({ kind: 'stream', name: 'lab', target: true, names: ['lab'] });
    expect(stream.caption).toBe('XADD target · MAXLEN ~ 3 · 5 entries · XREAD by 3');
    expect(requests.name).toBe('lab#/#');
    const log = stream.log!;
    expect(log.entries.map((x) => x.n)).toEqual([1, 2, 3, 4, 5]);
    expect(log.trimmed).toBe(true);
    expect(log.readers).toEqual([
      { server: 's1', at: 4 },
      { server: 's2', at: 4 },
      { server: 's3', at: 1 },
    ]);

    // Room for four cells: the trimmed mark, then the three newest; s3 reads older than them.
    const box = layoutLog(log, { x: 0, y: 0, w: 4 * 24 + 1 }, 10);
    expect(box.cells.map((c) => c.text)).toEqual(['✂', '3', '4', '5']);
    expect(box.cells[3].title).toBe('entry 100-5 · XADD by s1');
    expect(box.readers.map((r) => [r.text, r.anchor])).toEqual([
      ['▲s1 s2', 'end'],
      ['▲s3', 'start'],
    ]);
  });

  it('on a Redis Cluster is drawn on the node that holds the stream key, else on its slot owner', () => {
    const slots = ['0-5460', '5461-10922', '10923-16383'];
    const slot = keySlot('lab');
    const owner = slots.findIndex((r) => holdsSlot(r, slot));
    /** The nodes' report, with `holder` saying it holds the stream (or none saying it). */
    const report = (holder: number | null): LabEvent =>
      ({
        seq: 1000,
        t: 1000,
        server: 'hub',
        step: 1,
        kind: 'cluster.nodes',
        busSent: { publish: 0, shard: 0 },
        nodes: slots.map((range, i) => ({
          name: `n${i + 1}`,
          address: `127.0.0.1:${7001 + i}`,
          role: 'master',
          slots: range,
          state: 'up',
          bus: { publishSent: 0, publishReceived: 0, shardSent: 0, shardReceived: 0 },
          channels: [],
          shardChannels: [],
          clients: [],
          ...(i === holder ? { streams: [{ key: 'lab', slot, length: 4 }] } : {}),
        })),
      }) as unknown as LabEvent;
    const drawn = (holder: number | null) => {
      const scene = stageModel(
        reduceAll([...streamsLab({ s1: 5 }), report(holder)]),
        null,
        false,
      ).scene;
      expect(scene.title).toBe('Redis Cluster');
      return scene.nodes.filter((n) => n.log);
    };
    // What the nodes said wins: here a node that is not the slot owner (as after a failover).
    const said = (owner + 1) % 3;
    const [node] = drawn(said);
    expect(node).toMatchObject({ kind: 'node', name: `n${said + 1}` });
    expect(node.names).toContain('lab');
    expect(node.log!.entries).toHaveLength(5);
    expect(node.details).toEqual(expect.arrayContaining(['XLEN lab: 4', `KEYSLOT lab: ${slot}`]));
    // Before any report says: the master whose slots hold the key's.
    const fallback = drawn(null);
    expect(fallback.map((n) => n.name)).toEqual([`n${owner + 1}`]);
    expect(fallback[0].details).toContain(`KEYSLOT lab: ${slot}`);
    expect(fallback[0].details?.some((d) => d.startsWith('XLEN'))).toBe(false);
  });
});
