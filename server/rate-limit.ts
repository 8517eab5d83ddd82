import type { Socket } from 'socket.io';

/**
 * Flood limits: a token bucket per socket, and one per remote address shared by all of that
 * address's sockets. A client that floods events is slowed down and told so, one that opens many
 * sockets gets no more than its address's share, and the other clients keep theirs.
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

  /** Takes `count` tokens (one unless said), all or none; false when the bucket holds fewer. */
  take(count = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Milliseconds until the bucket holds `count` tokens (the next one unless said). */
  waitMs(count = 1): number {
    return Math.ceil(((count - this.tokens) / this.ratePerSecond) * 1000);
  }
}

/**
 * One bucket per remote address, shared by the address's sockets and forgotten with the last of
 * them, so the map holds no more entries than there are connected addresses.
 */
export class AddressBuckets {
  private readonly entries = new Map<string, { bucket: TokenBucket; sockets: number }>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bucket of `address`, held by one more socket until `release`. */
  hold(address: string): TokenBucket {
    let entry = this.entries.get(address);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.ratePerSecond, this.burst, this.now), sockets: 0 };
      this.entries.set(address, entry);
    }
    entry.sockets++;
    return entry.bucket;
  }

  release(address: string): void {
    const entry = this.entries.get(address);
    if (entry && --entry.sockets <= 0) this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** 20 events a second with bursts of twice that: far above a human, far below a runaway loop. */
export const DEFAULT_CLIENT_RATE = 20;
/**
 * All the sockets of one address may send ten clients' worth together (200 events a second and
 * bursts of 400 by default): enough for a page or the hub's headless clients, which share one
 * address, and a cap on a client that opens 125 sockets to multiply its share. Behind a proxy or
 * a load balancer every client has the proxy's address; issue 17's balancer will need to pass
 * the client's own.
 */
export const ADDRESS_RATE_FACTOR = 10;
export const DEFAULT_ADDRESS_RATE = DEFAULT_CLIENT_RATE * ADDRESS_RATE_FACTOR;

export interface Rates {
  /** Events a second one socket may send. */
  clientRate?: number;
  /** Events a second the sockets of one address may send together (ADDRESS_RATE_FACTOR x clientRate). */
  addressRate?: number;
}

/** The flood limits of one server, shared by all its namespaces. */
export class FloodLimits {
  readonly perSocket: number;
  readonly perAddress: number;
  private readonly addresses: AddressBuckets;
  private readonly text: string;

  constructor(rates: Rates = {}) {
    this.perSocket = rates.clientRate ?? DEFAULT_CLIENT_RATE;
    this.perAddress = rates.addressRate ?? this.perSocket * ADDRESS_RATE_FACTOR;
    this.addresses = new AddressBuckets(this.perAddress, this.perAddress * 2);
    this.text = `${this.perSocket} events/s per socket (bursts of ${this.perSocket * 2}), ${this.perAddress} per address (bursts of ${this.perAddress * 2})`;
  }

  /**
   * Drops a socket's events beyond its own rate or its address's share, and tells the client at
   * most once a second, so the warning can't become a flood itself.
   */
  limit(socket: Socket): void {
    const own = new TokenBucket(this.perSocket, this.perSocket * 2);
    const address = socket.handshake.address;
    const shared = this.addresses.hold(address);
    socket.on('disconnect', () => this.addresses.release(address));
    let warnedAt = 0;
    socket.use((_packet, next) => {
      if (own.take() && shared.take()) return next();
      const now = Date.now();
      if (now - warnedAt > 1000) {
        warnedAt = now;
        socket.emit('rate limited', {
          limit: this.text,
          retryInMs: Math.max(own.waitMs(), shared.waitMs()),
        });
      }
    });
  }
}
