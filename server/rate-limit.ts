import type { Socket } from 'socket.io';

/**
 * A token bucket per socket: a client that floods events is slowed down and told so,
 * and the other clients of the server keep their share.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(): number {
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }
}

/**
 * Drops a socket's events beyond `perSecond` (bursts of twice that), and tells the client at most
 * once a second, so the warning can't become a flood itself.
 */
export function limitSocket(socket: Socket, perSecond: number): void {
  const bucket = new TokenBucket(perSecond, perSecond * 2);
  let warnedAt = 0;
  socket.use((_packet, next) => {
    if (bucket.take()) return next();
    const now = Date.now();
    if (now - warnedAt > 1000) {
      warnedAt = now;
      socket.emit('rate limited', {
        limit: `${perSecond} events/s, bursts of ${perSecond * 2}`,
        retryInMs: bucket.waitMs(),
      });
    }
  });
}
