import { describe, expect, it } from 'vitest';
import { BatchRing } from './batch-ring.ts';
import { TRACE_VERSION, type LabEvent } from '../trace/events.ts';

/** Event `seq` with a text of `size` characters; `wide` makes them multi-byte in UTF-8. */
function event(seq: number, size: number, wide = false): LabEvent {
  const text = (wide ? 'é✓🙂' : 'abc').repeat(size).slice(0, size);
  return { kind: 'lab.notice', seq, t: seq, server: 'hub', step: 1, topic: 'x', text } as never;
}

function json(events: LabEvent[]): string {
  return JSON.stringify({ v: TRACE_VERSION, lab: 'l1', from: 's1', events });
}

/** A deterministic spread of batch sizes and text lengths. */
function* batches(n: number, seed = 7): Generator<LabEvent[]> {
  let x = seed;
  let seq = 0;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let b = 0; b < n; b++) {
    const count = 1 + Math.floor(next() * 9);
    yield Array.from({ length: count }, () => event(seq++, Math.floor(next() * 300), next() < 0.3));
  }
}

const seqs = (events: LabEvent[]) => events.map((e) => e.seq);

describe('BatchRing', () => {
  it('keeps at least `capacity` of the newest events, oldest first, and reads any stretch', () => {
    const ring = new BatchRing({ capacity: 50 });
    const all: LabEvent[] = [];
    for (const batch of batches(40)) {
      ring.push(json(batch), batch.length);
      all.push(...batch);
      expect(ring.length).toBeGreaterThanOrEqual(Math.min(50, all.length));
      expect(ring.total).toBe(all.length);
    }
    // At most one batch beyond the capacity: the oldest goes once the rest hold `capacity`.
    expect(ring.length).toBeLessThan(50 + 9);
    expect(ring.last()).toEqual(all.slice(-ring.length));
    expect(seqs(ring.last(7))).toEqual(seqs(all.slice(-7)));
    expect(ring.last(0)).toEqual([]);
    expect(ring.last(10_000)).toEqual(all.slice(-ring.length));
    const from = ring.oldest + 3;
    expect(seqs(ring.between(from, from + 20))).toEqual(seqs(all.slice(from, from + 20)));
    // Indexes older than the ring give what the ring still has.
    expect(ring.between(0, ring.oldest + 2)).toEqual(all.slice(ring.oldest, ring.oldest + 2));
  });

  it('wraps and grows within maxBytes, multi-byte text included, and says what it lets go', () => {
    const maxBytes = 16 * 1024;
    const ring = new BatchRing({ capacity: 100_000, maxBytes });
    const evicted: [number, number][] = [];
    ring.onEvict = (first, end) => evicted.push([first, end]);
    const all: LabEvent[] = [];
    for (const batch of batches(600, 11)) {
      expect(ring.push(json(batch), batch.length)).toBe(true);
      all.push(...batch);
      // Bytes are the limit here: whatever is held is exactly the newest events.
      expect(seqs(ring.last())).toEqual(seqs(all.slice(ring.oldest)));
    }
    const held = Buffer.byteLength(
      ring
        .last()
        .map((e) => JSON.stringify(e))
        .join(','),
    );
    expect(held).toBeLessThanOrEqual(maxBytes);
    expect(ring.length).toBeLessThan(all.length);
    // Every event let go was reported once, in order, before it went.
    expect(evicted[0][0]).toBe(0);
    for (let i = 1; i < evicted.length; i++) expect(evicted[i][0]).toBe(evicted[i - 1][1]);
    expect(evicted.at(-1)![1]).toBe(ring.oldest);
    expect(ring.last()).toEqual(all.slice(ring.oldest));
  });

  it('a batch larger than the ring is not kept: the ring starts again after it', () => {
    const ring = new BatchRing({ capacity: 10, maxBytes: 500 });
    const evicted: [number, number][] = [];
    ring.onEvict = (first, end) => evicted.push([first, end]);
    ring.push(json([event(0, 10)]), 1);
    expect(ring.push(json([event(1, 600), event(2, 5)]), 2)).toBe(false);
    expect(evicted).toEqual([[0, 1]]);
    expect(ring.total).toBe(3);
    expect(ring.last()).toEqual([]);
    ring.push(json([event(3, 10)]), 1);
    expect(ring.oldest).toBe(3);
    expect(seqs(ring.last())).toEqual([3]);
    expect(seqs(ring.between(0, 4))).toEqual([3]);
  });

  it('clear lets every batch go, telling onEvict, and counting goes on', () => {
    const ring = new BatchRing({ capacity: 100 });
    const evicted: [number, number][] = [];
    ring.onEvict = (first, end) => evicted.push([first, end]);
    ring.push(json([event(0, 5), event(1, 5)]), 2);
    ring.push(json([event(2, 5)]), 1);
    ring.clear();
    expect(evicted).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(ring.length).toBe(0);
    expect(ring.last()).toEqual([]);
    ring.push(json([event(3, 5)]), 1);
    expect(ring.oldest).toBe(3);
    expect(seqs(ring.last())).toEqual([3]);
  });
});
