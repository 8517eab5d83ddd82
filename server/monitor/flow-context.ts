import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The flow a piece of server work belongs to. A client's event opens a flow; everything the
 * server does because of it (io.emit, PUBLISH, fetchSockets, the replies) is labelled with it.
 *
 * It has two carriers, because one of them is costly:
 * - `withFlow` sets it for synchronous work: a client's event handler and the broadcast it makes,
 *   a message from Redis and the deliveries it causes. That is every chat message: the hot path.
 * - `withAsyncFlow` carries it across awaits, for the requests that publish or answer after one
 *   (fetchSockets, serverSideEmit with acks, and the other servers' replies). It uses
 *   AsyncLocalStorage, which in Node 20 makes every promise, tick and socket write of the process
 *   run an init hook while it is enabled: about 0.25 µs per delivery under load. So it is enabled
 *   only while such a request is in flight.
 *
 * Each lab has its own context (lab-tap-state.ts): two labs in one process (the tests run
 * several) never see each other's flows, nor number theirs from one counter.
 */
/** A value set for the duration of a synchronous call, and restored after it. */
export class SyncScope<T> {
  value: T | undefined;

  run<R>(value: T | undefined, fn: () => R): R {
    const outer = this.value;
    this.value = value;
    try {
      return fn();
    } finally {
      this.value = outer;
    }
  }
}

export class FlowContext {
  private readonly syncFlow = new SyncScope<string>();
  private readonly asyncFlow = new AsyncLocalStorage<string>();
  private asyncInFlight = 0;
  private readonly counters = new Map<string, number>();

  current(): string | undefined {
    return this.syncFlow.value ?? (this.asyncInFlight > 0 ? this.asyncFlow.getStore() : undefined);
  }

  withFlow<T>(flow: string | undefined, fn: () => T): T {
    return this.syncFlow.run(flow, fn);
  }

  /** `fn` and everything it awaits see `flow`, until the promise it returns settles. */
  withAsyncFlow<T>(flow: string | undefined, fn: () => T): T {
    if (flow === undefined) return fn();
    this.asyncInFlight++;
    let result: T;
    try {
      result = this.withFlow(flow, () => this.asyncFlow.run(flow, fn));
    } catch (err) {
      this.asyncDone();
      throw err;
    }
    if (result instanceof Promise) result.then(this.asyncDone, this.asyncDone);
    else this.asyncDone();
    return result;
  }

  /**
   * Runs `next`, the rest of socket.io's middleware chain, so that the event handler it leads to
   * sees `flow`. socket.io calls the handler from process.nextTick once the last middleware calls
   * next() (Socket#dispatch), so a tick queued just before next() and one just after bracket it.
   * A later middleware that called next() asynchronously would leave the handler without a flow
   * (its broadcast then gets the hash of its bytes), never with another event's.
   */
  flowAcrossDispatch(flow: string, next: () => void): void {
    process.nextTick(this.enterFlow, flow);
    next();
    process.nextTick(this.leaveFlow);
  }

  /**
   * `<server>-<n>@<lab>`: unique per server id and lab for the life of the lab, and across labs
   * that share a Redis (each lab has its own id), so two labs' `s1-1` never merge.
   */
  newFlowId(server: string, lab: string): string {
    const key = `${server}@${lab}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return `${server}-${n}@${lab}`;
  }

  private readonly asyncDone = (): void => {
    if (--this.asyncInFlight === 0) this.asyncFlow.disable();
  };

  private readonly enterFlow = (flow: string): void => {
    this.syncFlow.value = flow;
  };

  private readonly leaveFlow = (): void => {
    this.syncFlow.value = undefined;
  };
}

/** Bytes of a message the hash reads; its length is mixed in, so a huge message costs no more. */
const HASH_BYTES = 64 * 1024;

/** FNV-1a over the bytes: every receiver of the same message computes the same id. */
export function hashFlowId(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  const n = Math.min(bytes.length, HASH_BYTES);
  for (let i = 0; i < n; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  if (bytes.length > n) h = Math.imul(h ^ bytes.length, 0x01000193);
  return `h-${(h >>> 0).toString(16).padStart(8, '0')}`;
}
