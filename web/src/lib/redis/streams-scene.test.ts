import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { stageModel } from '../stage/stage-model.ts';
import { layoutLog } from '../stage/stream-log-layout.ts';

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
});
