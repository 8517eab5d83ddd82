import { describe, expect, it } from 'vitest';
import { EventRing } from './event-ring.ts';

describe('EventRing', () => {
  it('keeps the newest items, oldest first, once it wraps', () => {
    const ring = new EventRing<number>(4);
    for (let i = 1; i <= 10; i++) ring.push(i);
    expect(ring.length).toBe(4);
    expect(ring.last()).toEqual([7, 8, 9, 10]);
    expect(ring.last(2)).toEqual([9, 10]);
    expect(ring.last(99)).toEqual([7, 8, 9, 10]);
    expect(ring.last(0)).toEqual([]);
  });

  it('before it fills, holds exactly what was pushed; clear empties it', () => {
    const ring = new EventRing<string>(5);
    ring.push('a');
    ring.push('b');
    expect(ring.last()).toEqual(['a', 'b']);
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.last()).toEqual([]);
    ring.push('c');
    expect(ring.last()).toEqual(['c']);
  });

  it('hands back the item a full ring lets go, and nothing before it is full', () => {
    const ring = new EventRing<number>(3);
    expect([1, 2, 3].map((i) => ring.push(i))).toEqual([undefined, undefined, undefined]);
    expect([4, 5].map((i) => ring.push(i))).toEqual([1, 2]);
  });
});
