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

const syncFlow = new SyncScope<string>();
const asyncFlow = new AsyncLocalStorage<string>();
let asyncInFlight = 0;

export function currentFlow(): string | undefined {
  return syncFlow.value ?? (asyncInFlight > 0 ? asyncFlow.getStore() : undefined);
}

export function withFlow<T>(flow: string | undefined, fn: () => T): T {
  return syncFlow.run(flow, fn);
}

function asyncDone(): void {
  if (--asyncInFlight === 0) asyncFlow.disable();
}

/** `fn` and everything it awaits see `flow`, until the promise it returns settles. */
export function withAsyncFlow<T>(flow: string | undefined, fn: () => T): T {
  if (flow === undefined) return fn();
  asyncInFlight++;
  let result: T;
  try {
    result = withFlow(flow, () => asyncFlow.run(flow, fn));
  } catch (err) {
    asyncDone();
    throw err;
  }
  if (result instanceof Promise) result.then(asyncDone, asyncDone);
  else asyncDone();
  return result;
}

/**
 * Runs `next`, the rest of socket.io's middleware chain, so that the event handler it leads to
 * sees `flow`. socket.io calls the handler from process.nextTick once the last middleware calls
 * next() (Socket#dispatch), so a tick queued just before next() and one just after bracket it.
 * A later middleware that called next() asynchronously would leave the handler without a flow
 * (its broadcast then gets the hash of its bytes), never with another event's.
 */
export function flowAcrossDispatch(flow: string, next: () => void): void {
  process.nextTick(enterFlow, flow);
  next();
  process.nextTick(leaveFlow);
}

function enterFlow(flow: string): void {
  syncFlow.value = flow;
}

function leaveFlow(): void {
  syncFlow.value = undefined;
}

const counters = new Map<string, number>();

/**
 * `<server>-<n>@<lab>`: unique per server id and lab for the life of the process, and across
 * labs that share a Redis (each lab has its own id), so two labs' `s1-1` never merge.
 */
export function newFlowId(server: string, lab: string): string {
  const key = `${server}@${lab}`;
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return `${server}-${n}@${lab}`;
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
