/**
 * Everything recorded since the page opened, with a cap, and the lab state at any point of it.
 *
 * trace/ will have a timeline of its own (timeline.ts); until it lands the page keeps this one.
 * The live path never clones: `head` is reduced in place, and events that fall out of the window
 * are reduced into `base`, the state just before the window. Seeking clones the nearest
 * checkpoint (made lazily while replaying) and reduces forward from it.
 */
import type { LabEvent } from '../../../trace/events.ts';
import { reduce } from '../../../trace/reducer.ts';
import { emptyState, type LabState } from '../../../trace/state.ts';

/** Events kept for the scrubber; older ones are folded into the base state. docs/page.md says so. */
export const RECORDING_CAP = 50_000;
export const CHECKPOINT_EVERY = 1_000;

/** Events that move nothing on the stage: stepping passes over them. */
export function isHop(e: LabEvent): boolean {
  return e.kind !== 'counters' && e.kind !== 'monitor.mode';
}

export class Recording {
  private events: LabEvent[] = [];
  /** Absolute index of events[0]. */
  private offset = 0;
  private base: LabState;
  readonly head: LabState;
  /** Absolute index i -> state before event i (a private copy). */
  private checkpoints = new Map<number, LabState>();

  constructor(
    readonly cap = RECORDING_CAP,
    base: LabState = emptyState(),
    events: readonly LabEvent[] = [],
  ) {
    this.base = structuredClone(base);
    this.head = structuredClone(base);
    for (const e of events) this.push(e);
  }

  /** Absolute index of the first recorded event. */
  get start(): number {
    return this.offset;
  }
  /** One past the absolute index of the last event. */
  get end(): number {
    return this.offset + this.events.length;
  }
  get size(): number {
    return this.events.length;
  }
  /** Events folded into the base state because of the cap. */
  get evicted(): number {
    return this.offset;
  }

  at(i: number): LabEvent | undefined {
    return this.events[i - this.offset];
  }

  /** The recorded window (a copy), oldest first. */
  window(from = this.start, to = this.end): LabEvent[] {
    return this.events.slice(Math.max(0, from - this.offset), Math.max(0, to - this.offset));
  }

  baseState(): LabState {
    return structuredClone(this.base);
  }

  push(e: LabEvent): void {
    reduce(this.head, e);
    this.events.push(e);
    // Evict in chunks: one splice per chunk instead of one shift per event.
    const chunk = Math.max(1, Math.floor(this.cap / 20));
    if (this.events.length > this.cap + chunk) this.evict(this.events.length - this.cap);
  }

  private evict(n: number): void {
    for (let i = 0; i < n; i++) reduce(this.base, this.events[i]);
    this.events.splice(0, n);
    this.offset += n;
    for (const k of this.checkpoints.keys()) if (k < this.offset) this.checkpoints.delete(k);
  }

  /** A fresh copy of the state after event `i` (absolute); `start - 1` is the base state. */
  stateAfter(i: number): LabState {
    const target = Math.min(Math.max(i, this.offset - 1), this.end - 1) + 1;
    let from = this.offset;
    let state: LabState | undefined;
    for (const [k, s] of this.checkpoints) {
      if (k <= target && k >= from) {
        from = k;
        state = s;
      }
    }
    const view = structuredClone(state ?? this.base);
    for (let k = from; k < target; k++) {
      if (k > from && k % CHECKPOINT_EVERY === 0 && !this.checkpoints.has(k))
        this.checkpoints.set(k, structuredClone(view));
      reduce(view, this.events[k - this.offset]);
    }
    return view;
  }

  /** The next event index after `i` that is a hop and passes `keep`, or undefined. */
  nextHop(i: number, keep: (e: LabEvent) => boolean = () => true): number | undefined {
    for (let k = Math.max(i + 1, this.offset); k < this.end; k++) {
      const e = this.events[k - this.offset];
      if (isHop(e) && keep(e)) return k;
    }
    return undefined;
  }

  prevHop(i: number, keep: (e: LabEvent) => boolean = () => true): number | undefined {
    for (let k = Math.min(i - 1, this.end - 1); k >= this.offset; k--) {
      const e = this.events[k - this.offset];
      if (isHop(e) && keep(e)) return k;
    }
    return undefined;
  }
}

/** Drops events seen before (a reconnect's hello, or a feed switching relays), in a bounded memory. */
export class SeenEvents {
  private seen = new Set<string>();
  private order: string[] = [];
  constructor(private readonly cap = 20_000) {}

  /** True the first time an event is offered. */
  fresh(e: LabEvent): boolean {
    const key = `${e.server}|${e.seq}|${e.t}|${e.kind}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.order.push(key);
    if (this.order.length > this.cap * 1.1) {
      for (const old of this.order.splice(0, this.order.length - this.cap)) this.seen.delete(old);
    }
    return true;
  }
}
