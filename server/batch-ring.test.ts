import { describe, expect, it } from 'vitest';
import { BatchRing } from './batch-ring.ts';
import type { LabEvent } from '../trace/events.ts';

/** A batch's JSON with events numbered from `first`, as a sink would encode it. */
function batch(first: number, count: number): [string, number] {
  const events = Array.from({ length: count }, (_, i) => ({
    kind: 'lab.notice',
    topic: 'info',
    text: `n${first + i}`,
    seq: first + i,
    t: 0,
    server: 'hub',
    step: 1,
  }));
  return [JSON.stringify({ v: 2, from: 'hub', events }), count];
}

const seqs = (events: LabEvent[]) => events.map((e) => e.seq);

describe('BatchRing', () => {
  it('gives the newest events, oldest first, across batches', () => {
    const ring = new BatchRing(100);
    ring.push(...batch(1, 3));
    ring.push(...batch(4, 2));
    ring.push(...batch(6, 4));
    expect(ring.length).toBe(9);
    expect(seqs(ring.last())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seqs(ring.last(5))).toEqual([5, 6, 7, 8, 9]);
    expect(seqs(ring.last(0))).toEqual([]);
  });

  it('keeps at most `capacity` events for last(), letting whole old batches go', () => {
    const ring = new BatchRing(10);
    for (let i = 0; i < 50; i++) ring.push(...batch(i * 3 + 1, 3));
    expect(ring.length).toBe(10);
    expect(seqs(ring.last())).toEqual([141, 142, 143, 144, 145, 146, 147, 148, 149, 150]);
    expect(seqs(ring.last(1000))).toHaveLength(10);
  });

  it('stays right after many batches (the kept list is compacted)', () => {
    const ring = new BatchRing(20);
    for (let i = 0; i < 5000; i++) ring.push(...batch(i + 1, 1));
    expect(seqs(ring.last(3))).toEqual([4998, 4999, 5000]);
    expect(ring.length).toBe(20);
  });

  it('forgets everything on clear, and ignores empty batches', () => {
    const ring = new BatchRing(10);
    ring.push(...batch(1, 4));
    ring.push('{"v":2,"from":"hub","events":[]}', 0);
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.last()).toEqual([]);
    ring.push(...batch(7, 2));
    expect(seqs(ring.last())).toEqual([7, 8]);
  });
});
