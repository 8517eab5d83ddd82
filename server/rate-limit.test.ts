import { describe, expect, it } from 'vitest';
import { AddressBuckets, TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('allows a burst, then refuses until time passes', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.waitMs()).toBe(100);
    now += 100;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never stores more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 2, () => now);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});

describe('AddressBuckets', () => {
  it('gives the sockets of one address one bucket between them, and each address its own', () => {
    const now = 0;
    const buckets = new AddressBuckets(10, 3, () => now);
    const a = buckets.hold('10.0.0.1');
    const b = buckets.hold('10.0.0.1');
    const other = buckets.hold('10.0.0.2');
    expect(a).toBe(b);
    expect([a.take(), b.take(), a.take(), b.take()]).toEqual([true, true, true, false]);
    expect(other.take()).toBe(true);
  });

  it('forgets an address with its last socket, so a new socket starts with a full bucket', () => {
    const now = 0;
    const buckets = new AddressBuckets(10, 1, () => now);
    const first = buckets.hold('10.0.0.1');
    buckets.hold('10.0.0.1');
    first.take();
    buckets.release('10.0.0.1');
    expect(buckets.size).toBe(1);
    expect(buckets.hold('10.0.0.1').take()).toBe(false);
    buckets.release('10.0.0.1');
    buckets.release('10.0.0.1');
    expect(buckets.size).toBe(0);
    expect(buckets.hold('10.0.0.1').take()).toBe(true);
  });
});
