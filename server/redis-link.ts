/**
 * A server's link to Redis: a TCP relay of the lab's own on loopback, between one server's
 * adapter connections and Redis, that can be cut, frozen and healed while the server and Redis
 * both stay up. It is the network partition a clean stop never shows: the server keeps its
 * clients and its local broadcasts, and loses everything that needed Redis.
 *
 * - `cut`: every relayed connection is reset (the server's client sees ECONNRESET, Redis sees the
 *   connection close and drops its subscriptions), and new ones are reset as they arrive, so the
 *   client's reconnect attempts fail until the heal.
 * - `freeze`: nothing is closed and nothing passes: both sides stop reading, so bytes wait in the
 *   sockets' buffers as they would behind a link that drops packets; a connection opened meanwhile
 *   waits too. Redis's `client-output-buffer-limit` may close a frozen subscriber (a slow
 *   consumer, as far as Redis can tell).
 * - `stall` (the lab's `slow` mode): one connection, the server's subscriber, stops reading what
 *   Redis sends, while what the server sends still goes through: a slow consumer, as Redis sees
 *   one. Redis keeps what it cannot send in the connection's output buffer until
 *   `client-output-buffer-limit pubsub` makes it close the connection. `resume` reads again:
 *   what the kernel held arrives late, then the end Redis sent, as for a reader that caught up.
 * - `heal`: bytes flow again; a frozen or stalled connection carries on with what waited, a cut
 *   one is made anew by the client.
 *
 * Real bytes to a real Redis or broker: the relay never reads what it carries.
 */
import net from 'node:net';

export type LinkState = 'open' | 'cut' | 'frozen' | 'slow';

interface Pair {
  inbound: net.Socket;
  outbound: net.Socket | null;
  /** Redis's bytes to the server wait unread (`stall`). */
  stalled?: boolean;
  /** Stalled once, then read again: an end from Redis is handed on as an end. */
  resumed?: boolean;
}

export class RedisLink {
  private server: net.Server | null = null;
  private readonly pairs = new Set<Pair>();
  state: LinkState = 'open';
  port = 0;

  /** `target` is Redis's URL, asked at each new connection (a restarted Redis may move). */
  constructor(private readonly target: string | (() => string)) {}

  /** Listens on a free loopback port (or `port`), once. */
  async open(port = 0): Promise<this> {
    if (this.server) return this;
    const server = net.createServer((inbound) => this.accept(inbound));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  /** `url` with its host and port replaced by the relay's: credentials and options stay. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Connections relayed now. */
  get connections(): number {
    return this.pairs.size;
  }

  cut(): void {
    if (this.state === 'slow') this.resume();
    this.state = 'cut';
    for (const pair of [...this.pairs]) this.drop(pair);
  }

  /**
   * Stops reading what Redis sends to the connection the server made from local port `port`
   * (its sub connection); answers false when no such connection is relayed.
   */
  stall(port: number): boolean {
    if (this.state !== 'open') return false;
    const pair = [...this.pairs].find((p) => p.inbound.remotePort === port && p.outbound);
    if (!pair?.outbound) return false;
    this.state = 'slow';
    pair.stalled = true;
    pair.outbound.unpipe(pair.inbound);
    pair.outbound.pause();
    return true;
  }

  /** The stalled connection reads again (and the link is open). */
  resume(): void {
    if (this.state === 'slow') this.state = 'open';
    for (const pair of this.pairs) {
      if (!pair.stalled || !pair.outbound) continue;
      pair.stalled = false;
      pair.resumed = true;
      pair.outbound.pipe(pair.inbound);
    }
  }

  freeze(): void {
    if (this.state === 'cut') return;
    if (this.state === 'slow') this.resume();
    this.state = 'frozen';
    for (const pair of this.pairs) this.stop(pair);
  }

  heal(): void {
    if (this.state === 'slow') return this.resume();
    const was = this.state;
    this.state = 'open';
    // Only frozen connections wait to be joined again (a cut left none; open ones flow).
    if (was !== 'frozen') return;
    for (const pair of this.pairs) {
      if (pair.outbound) this.join(pair, pair.outbound);
      else this.connectUpstream(pair);
    }
  }

  /** Closes the relay and every connection through it. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const pair of [...this.pairs]) this.drop(pair);
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private accept(inbound: net.Socket): void {
    inbound.on('error', () => undefined);
    if (this.state === 'cut') {
      inbound.resetAndDestroy();
      return;
    }
    const pair: Pair = { inbound, outbound: null };
    this.pairs.add(pair);
    inbound.on('close', () => this.drop(pair));
    if (this.state === 'frozen') inbound.pause();
    else this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const { host, port } = hostPort(typeof this.target === 'string' ? this.target : this.target());
    const outbound = net.connect(port, host);
    pair.outbound = outbound;
    outbound.on('error', () => undefined);
    outbound.on('close', () => {
      // Redis ended a connection the server had stopped reading: the pipe hands the server what
      // waited and then the end, as a slow reader gets them; a reset would throw them away.
      if (pair.resumed && outbound.readableEnded && this.state !== 'cut') this.pairs.delete(pair);
      else this.drop(pair);
    });
    this.join(pair, outbound);
  }

  /** Both directions flow, each with its backpressure. */
  private join(pair: Pair, outbound: net.Socket): void {
    pair.inbound.pipe(outbound);
    outbound.pipe(pair.inbound);
  }

  /** Neither side is read: unpiped first, since a pipe resumes a paused source on 'drain'. */
  private stop(pair: Pair): void {
    pair.inbound.unpipe();
    pair.outbound?.unpipe();
    pair.inbound.pause();
    pair.outbound?.pause();
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    // A cut resets the client's side, so it hears of it at once (ECONNRESET), as after a failure.
    if (!pair.inbound.destroyed) pair.inbound.resetAndDestroy();
    pair.outbound?.destroy();
  }
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
}
