/**
 * The lab bench's load: websocket clients spread over a program's three servers, one of them
 * emitting 100-byte chat messages in a closed loop (a fixed number in flight), or at a fixed rate
 * for latency; and the viewer that reads every batch of the hub's `/lab` feed, as the page does.
 */
import { performance } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';
import { parseEnvelope, type Counters } from '../trace/events.ts';

function message(seq: number): string {
  const head = `${seq}:`;
  return head + 'x'.repeat(100 - head.length);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The clients of one program, and what they sent and got over the program's whole life. */
export class Fleet {
  sockets: Socket[] = [];
  /** Chat messages sent to this program and received from it, ever: the monitor must agree. */
  emitted = 0;
  delivered = 0;

  constructor(private readonly basePort: number) {}

  async connect(n: number): Promise<void> {
    this.disconnect();
    this.sockets = Array.from({ length: n }, (_, i) =>
      connect(`http://127.0.0.1:${this.basePort + (i % 3)}`, {
        transports: ['websocket'],
        reconnection: false,
      }),
    );
    for (const s of this.sockets) s.on('chat message', () => this.delivered++);
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            s.once('connect', () => resolve());
            s.once('connect_error', (err) => reject(err));
          }),
      ),
    );
  }

  disconnect(): void {
    for (const s of this.sockets) s.disconnect();
    this.sockets = [];
  }

  private emit(seq: number): void {
    this.emitted++;
    this.sockets[0].emit('chat message', message(seq));
  }

  /** Deliveries the clients should have had by now: every message reaches every client. */
  private expected = 0;

  /**
   * Waits until every message sent has reached every client (or 10 s), so that no work spills
   * into the next program's turn; returns how many deliveries never came.
   */
  private async drain(): Promise<number> {
    const deadline = performance.now() + 10_000;
    while (this.delivered < this.expected && performance.now() < deadline) await pause(5);
    return this.expected - this.delivered;
  }

  /**
   * The closed loop: `window` broadcasts in flight, the next sent when the emitter gets its own
   * back. `snapshot` is taken twice while the loop runs, after `warmMs` and `measureMs` later,
   * so the measured stretch has no start or end effects.
   */
  async saturate<S>(window: number, warmMs: number, measureMs: number, snapshot: () => S) {
    const emitter = this.sockets[0];
    this.expected = this.delivered;
    let running = true;
    let echoes = 0;
    const n = this.sockets.length;
    const send = () => {
      this.expected += n;
      this.emit(this.emitted + 1);
    };
    const onEcho = () => {
      echoes++;
      if (running) send();
    };
    emitter.on('chat message', onEcho);
    for (let i = 0; i < window; i++) send();
    await pause(warmMs);
    const start = { at: performance.now(), delivered: this.delivered, echoes, snap: snapshot() };
    await pause(measureMs);
    const end = { at: performance.now(), delivered: this.delivered, echoes, snap: snapshot() };
    running = false;
    const missing = await this.drain();
    emitter.off('chat message', onEcho);
    const seconds = (end.at - start.at) / 1000;
    return {
      seconds,
      deliveries: end.delivered - start.delivered,
      broadcastsPerSecond: (end.echoes - start.echoes) / seconds,
      start: start.snap,
      end: end.snap,
      missing,
    };
  }

  /** `rate` broadcasts a second for `ms`: each one timed from emit to a client of s2 (it crossed Redis). */
  async latencies(
    rate: number,
    ms: number,
  ): Promise<{ ms: number[]; missing: number; sent: number }> {
    const receiver = this.sockets[1];
    const sentAt = new Map<number, number>();
    const out: number[] = [];
    const onMessage = (msg: string) => {
      const t0 = sentAt.get(Number(msg.slice(0, msg.indexOf(':'))));
      if (t0 !== undefined) out.push(performance.now() - t0);
    };
    receiver.on('chat message', onMessage);
    const n = this.sockets.length;
    this.expected = this.delivered;
    const t0 = performance.now();
    const sent = Math.ceil((rate * ms) / 1000);
    for (let i = 0; i < sent; i++) {
      // On a schedule, not a chain of timers, so a late timer does not lower the rate.
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await pause(wait);
      const seq = this.emitted + 1;
      sentAt.set(seq, performance.now());
      this.expected += n;
      this.emit(seq);
    }
    const missing = await this.drain();
    receiver.off('chat message', onMessage);
    return { ms: out, missing, sent };
  }
}

/** A viewer on the hub's `/lab`: it parses every batch, as the page does, and keeps the counters. */
export class Viewer {
  events = 0;
  batches = 0;
  private readonly counters = new Map<string, Counters>();
  private readonly socket: Socket;

  constructor(hubPort: number) {
    this.socket = connect(`http://127.0.0.1:${hubPort}/lab`, { transports: ['websocket'] });
    this.socket.on('trace', (raw: unknown) => {
      const env = parseEnvelope(raw);
      this.batches++;
      this.events += env.events.length;
      for (const e of env.events) if (e.kind === 'counters') this.counters.set(e.server, e);
    });
  }

  ready(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  /** Publishes and deliveries summed over the servers, as the monitor last reported them. */
  totals(): { publishes: number; deliveries: number } {
    let publishes = 0;
    let deliveries = 0;
    for (const c of this.counters.values()) {
      publishes += c.publishes;
      deliveries += c.deliveries;
    }
    return { publishes, deliveries };
  }

  /** Waits (up to `ms`) for the counters to reach what the driver counted; true when they do. */
  async countersMatch(fleet: Fleet, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    const match = () => {
      const t = this.totals();
      return t.publishes === fleet.emitted && t.deliveries === fleet.delivered;
    };
    while (!match() && performance.now() < deadline) await pause(100);
    return match();
  }

  close(): void {
    this.socket.disconnect();
  }
}
