import { describe, expect, it } from 'vitest';
import { formatId, makeId, type ParsedId } from './stream-id.ts';
import { Stream, type StreamEntry } from './stream.ts';

const fields = (...kv: string[]) => kv.map((s) => Buffer.from(s));
const at = (ms: number, seq = 0): ParsedId => ({
  id: makeId(BigInt(ms), BigInt(seq)),
  seqGiven: true,
});
const ids = (entries: StreamEntry[]) => entries.map((e) => e.idText);

/** A stream with entries 1-0 .. n-0, each one field of a few bytes. */
function filled(n: number): Stream {
  const s = new Stream();
  for (let i = 1; i <= n; i++) s.append(fields('f', `v${i}`), at(i), 0);
  return s;
}

describe('Stream', () => {
  it('makes ids from the clock, from ms-*, or takes them as given, always increasing', () => {
    const s = new Stream();
    expect(s.append(fields('a', '1'), null, 1000)).toMatchObject({ idText: '1000-0' });
    // The same millisecond, or a clock that went back, continues the sequence.
    expect(s.append(fields('a', '2'), null, 1000)).toMatchObject({ idText: '1000-1' });
    expect(s.append(fields('a', '3'), null, 999)).toMatchObject({ idText: '1000-2' });
    expect(s.append(fields('a', '4'), { id: makeId(1000n, 0n), seqGiven: false }, 0)).toMatchObject(
      {
        idText: '1000-3',
      },
    );
    expect(s.append(fields('a', '5'), { id: makeId(999n, 0n), seqGiven: false }, 0)).toBe(
      'id-too-small',
    );
    expect(s.append(fields('a', '6'), at(1000, 3), 0)).toBe('id-too-small');
    expect(s.append(fields('a', '7'), at(2000, 5), 0)).toMatchObject({ idText: '2000-5' });
    expect(s.length).toBe(5);
    expect(formatId(s.lastId)).toBe('2000-5');
  });

  it('fills nodes of 100 entries, and MAXLEN ~ drops only whole ones', () => {
    const s = filled(250);
    expect(s.nodeCount).toBe(3);
    expect(s.trim({ strategy: { maxlen: 120 }, approx: true, limit: 10_000 })).toBe(100);
    expect(s.length).toBe(150);
    // LIMIT counts whole nodes: 120 leaves room for one node of 100, not for the next 50.
    expect(s.trim({ strategy: { maxlen: 0 }, approx: true, limit: 120 })).toBe(100);
    expect(s.length).toBe(50);
  });

  it('MAXLEN = marks single entries; marked ones are skipped by reads but still fill their node', () => {
    const s = filled(130);
    expect(s.trim({ strategy: { maxlen: 60 }, approx: false, limit: 0 })).toBe(70);
    expect(s.length).toBe(60);
    expect(ids(s.range(0n, makeId(200n, 0n), 2))).toEqual(['71-0', '72-0']);
    // The second node holds 30 entries, all live: 70 more of room before a third node starts.
    for (let i = 131; i <= 200; i++) s.append(fields('f', 'v'), at(i), 0);
    expect(s.nodeCount).toBe(2);
    s.append(fields('f', 'v'), at(201), 0);
    expect(s.nodeCount).toBe(3);
  });

  it('MINID removes entries below an id; a trim to nothing keeps the last id', () => {
    const s = filled(10);
    expect(s.trim({ strategy: { minid: makeId(4n, 0n) }, approx: false, limit: 0 })).toBe(3);
    expect(ids(s.range(0n, makeId(5n, 0n)))).toEqual(['4-0', '5-0']);
    s.trim({ strategy: { maxlen: 0 }, approx: false, limit: 0 });
    expect(s.length).toBe(0);
    expect(s.lastEntryId()).toBeNull();
    expect(formatId(s.lastId)).toBe('10-0');
  });

  it('reads a range across nodes, forwards and backwards, with a count', () => {
    const s = filled(250);
    expect(ids(s.range(makeId(99n, 0n), makeId(102n, 0n)))).toEqual([
      '99-0',
      '100-0',
      '101-0',
      '102-0',
    ]);
    expect(ids(s.range(makeId(99n, 0n), makeId(300n, 0n), 3, true))).toEqual([
      '250-0',
      '249-0',
      '248-0',
    ]);
    expect(ids(s.range(makeId(100n, 1n), makeId(200n, 0n), 2))).toEqual(['101-0', '102-0']);
    expect(ids(s.range(makeId(300n, 0n), makeId(400n, 0n)))).toEqual([]);
    expect(ids(s.range(makeId(5n, 0n), makeId(4n, 0n)))).toEqual([]);
  });
});
