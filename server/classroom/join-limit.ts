/**
 * `POST /api/join` is open to the room, so each address has a bucket of joins: a phone that
 * mistypes its nickname a few times gets through, a script that tries to fill the class does
 * not. The machine the lab runs on (loopback) is the teacher's, and is not limited: it holds the
 * token anyway, and the tests and the benchmark join all their phones from it.
 */
import { TokenBucket } from '../rate-limit.ts';

/** Ten tries at once, then one every six seconds. */
export const JOIN_RATE = { perSecond: 1 / 6, burst: 10 };

/** Addresses remembered before the idle ones (whose buckets are full again) are forgotten. */
const MAX_ADDRESSES = 1000;

export function isLoopbackAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export class JoinLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; last: number }>();

  constructor(
    private readonly rate = JOIN_RATE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one join for `address`; the seconds to wait when it has none left. */
  take(address: string): number {
    if (isLoopbackAddress(address)) return 0;
    const now = this.now();
    let entry = this.buckets.get(address);
    if (!entry) {
      if (this.buckets.size >= MAX_ADDRESSES) this.forgetIdle(now);
      entry = {
        bucket: new TokenBucket(this.rate.perSecond, this.rate.burst, this.now),
        last: now,
      };
      this.buckets.set(address, entry);
    }
    entry.last = now;
    return entry.bucket.take() ? 0 : Math.ceil(entry.bucket.waitMs() / 1000);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** A bucket untouched long enough to be full again holds nothing worth keeping. */
  private forgetIdle(now: number): void {
    const full = (this.rate.burst / this.rate.perSecond) * 1000;
    for (const [address, entry] of this.buckets)
      if (now - entry.last >= full) this.buckets.delete(address);
    // Still full: the longest-known address goes; the class's size bounds what that could let in.
    if (this.buckets.size >= MAX_ADDRESSES)
      this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
