import { describe, expect, it } from 'vitest';
import { UnplacedHops } from './unplaced-hops.ts';

describe('UnplacedHops', () => {
  it('offers a waiting hop again before the new ones, until it is drawn', () => {
    const u = new UnplacedHops<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 2 };
    expect(u.take([a])).toEqual([a]);
    expect(u.retry(a)).toBe(true);
    expect(u.take([b])).toEqual([a, b]);
    u.drawn(a);
    expect(u.take([])).toEqual([]);
  });

  it('lets a hop go after maxTries frames', () => {
    const u = new UnplacedHops<{ id: number }>(3);
    const a = { id: 1 };
    let frames = 0;
    let hops = u.take([a]);
    while (hops.length) {
      frames++;
      for (const h of hops) u.retry(h);
      hops = u.take([]);
    }
    expect(frames).toBe(4);
  });
});
