import { describe, expect, it } from 'vitest';
import { JoinLimiter } from './join-limit.ts';

describe('JoinLimiter', () => {
  it('lets an address try a few times, then says how long to wait; others keep theirs', () => {
    let now = 0;
    const limiter = new JoinLimiter({ perSecond: 0.5, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('10.0.0.5'))).toEqual([0, 0, 0]);
    expect(limiter.take('10.0.0.5')).toBe(2);
    expect(limiter.take('10.0.0.6')).toBe(0);
    now += 2000;
    expect(limiter.take('10.0.0.5')).toBe(0);
  });

  it('never limits the machine the lab runs on', () => {
    const limiter = new JoinLimiter({ perSecond: 0.1, burst: 1 });
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      for (let i = 0; i < 5; i++) expect(limiter.take(address)).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it('remembers a bounded number of addresses', () => {
    let now = 0;
    const limiter = new JoinLimiter({ perSecond: 1, burst: 1 }, () => now);
    for (let i = 0; i < 3000; i++) {
      now += 1;
      limiter.take(`10.1.${i >> 8}.${i & 255}`);
    }
    expect(limiter.size).toBeLessThanOrEqual(1000);
  });
});
