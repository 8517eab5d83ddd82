/**
 * The hub's recent events, kept as the text of the batches they came in, in one byte buffer
 * outside the JavaScript heap.
 *
 * Why not the event objects: every event the hub kept lived for tens of seconds, long enough for
 * V8 to move it to the old generation, and when it left the ring it was old garbage. At 300
 * clients and 50 broadcasts a second that was about 0.4 MB a second, and the major collections
 * it caused stalled the servers, which share the hub's process, for 50 to 200 ms (docs/bench.md,
 * "the 300-client tail"). Text in a Buffer is never scanned by the collector, and the batch's
 * text exists anyway: it is what the sink published and what viewers are sent.
 *
 * Every event gets a global index, counting from 0 for the life of the ring (`clear` keeps
 * counting). The ring keeps at least `capacity` events when it has had them, and never more than
 * `maxBytes` of text: whole batches go, oldest first, when either says so. Reading parses the
 * batches it needs; the last one parsed is kept, because readers go forward a batch at a time.
 */
import type { Envelope, LabEvent } from '../trace/events.ts';

/** What the ring's text may grow to: the events' count (capacity) is the usual limit. */
export const HISTORY_BYTES = 32 * 1024 * 1024;
const INITIAL_BYTES = 256 * 1024;

export interface BatchRingOptions {
  /** Events to keep at least (as long as they fit in maxBytes). */
  capacity: number;
  maxBytes?: number;
  /** Called before a batch is let go, with the global indexes of its events. */
  onEvict?: (first: number, end: number) => void;
}

export class BatchRing {
  readonly capacity: number;
  readonly maxBytes: number;
  onEvict: ((first: number, end: number) => void) | undefined;
  private buf: Buffer;
  /** Per batch, in slots used as a ring from `head`: where its text is, and its events. */
  private readonly at: Uint32Array;
  private readonly bytes: Uint32Array;
  private readonly first: Float64Array;
  private readonly count: Uint32Array;
  private head = 0;
  private batches = 0;
  /** Where the next batch's text goes. */
  private writeAt = 0;
  private held = 0;
  /** Events ever pushed: the global index of the next one. */
  private pushed = 0;
  /** The last batch parsed: its global index of first event, and its events. */
  private parsed: { first: number; events: LabEvent[] } | null = null;

  constructor(options: BatchRingOptions) {
    this.capacity = Math.max(1, options.capacity);
    this.maxBytes = options.maxBytes ?? HISTORY_BYTES;
    this.onEvict = options.onEvict;
    this.buf = Buffer.allocUnsafe(Math.min(INITIAL_BYTES, this.maxBytes));
    // A batch has one event at least, and the ring lets the oldest go once `capacity` events are
    // held without it: so it never holds more than capacity + 1 batches.
    const slots = this.capacity + 2;
    this.at = new Uint32Array(slots);
    this.bytes = new Uint32Array(slots);
    this.first = new Float64Array(slots);
    this.count = new Uint32Array(slots);
  }

  /** Events held. */
  get length(): number {
    return this.held;
  }

  /** The global index the next event will get. */
  get total(): number {
    return this.pushed;
  }

  /** The global index of the oldest event held. */
  get oldest(): number {
    return this.pushed - this.held;
  }

  /**
   * Keeps a batch: `json` is its envelope's text, with `events` events. A batch larger than the
   * whole ring may be is not kept: the ring lets everything go (telling onEvict) and returns
   * false, and its events get their indexes all the same.
   */
  push(json: string, events: number): boolean {
    if (events === 0) return true;
    const size = Buffer.byteLength(json);
    if (size > this.maxBytes) {
      // The history stays one unbroken stretch: it starts again after the batch it cannot keep.
      this.clear();
      this.pushed += events;
      return false;
    }
    let where: number;
    while ((where = this.placeFor(size)) < 0) if (!this.grow(size)) this.evictOldest();
    this.buf.write(json, where, size, 'utf8');
    const slot = this.slot(this.batches);
    this.at[slot] = where;
    this.bytes[slot] = size;
    this.first[slot] = this.pushed;
    this.count[slot] = events;
    this.batches++;
    this.writeAt = where + size;
    this.held += events;
    this.pushed += events;
    while (this.batches > 1 && this.held - this.count[this.head] >= this.capacity)
      this.evictOldest();
    return true;
  }

  /** The newest `n` events (all of them when n is larger), oldest first. */
  last(n = this.held): LabEvent[] {
    return this.between(this.pushed - Math.max(0, Math.min(n, this.held)), this.pushed);
  }

  /** The events with global indexes from `from` up to `to`, as far as the ring holds them. */
  between(from: number, to: number): LabEvent[] {
    const out: LabEvent[] = [];
    for (let i = this.batchOf(from); i < this.batches; i++) {
      const slot = this.slot(i);
      const first = this.first[slot];
      if (first >= to) break;
      const end = first + this.count[slot];
      if (end <= from) continue;
      const events = this.eventsIn(slot);
      for (let k = Math.max(from, first); k < Math.min(to, end); k++) out.push(events[k - first]);
    }
    return out;
  }

  /** Lets every batch go, telling `onEvict`; the indexes go on from where they were. */
  clear(): void {
    while (this.batches > 0) this.evictOldest();
  }

  private slot(i: number): number {
    return (this.head + i) % this.at.length;
  }

  /** The position (0 = oldest) of the batch holding global index `index`: a binary search. */
  private batchOf(index: number): number {
    let lo = 0;
    let hi = this.batches - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.first[this.slot(mid)] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private eventsIn(slot: number): LabEvent[] {
    const first = this.first[slot];
    if (this.parsed?.first === first) return this.parsed.events;
    const start = this.at[slot];
    const text = this.buf.toString('utf8', start, start + this.bytes[slot]);
    const events = (JSON.parse(text) as Envelope).events;
    this.parsed = { first, events };
    return events;
  }

  /** Where `size` bytes fit after the newest batch without touching the oldest, or -1. */
  private placeFor(size: number): number {
    if (this.batches === 0) return size <= this.buf.length ? 0 : -1;
    const oldestAt = this.at[this.head];
    if (this.writeAt > oldestAt) {
      if (this.writeAt + size <= this.buf.length) return this.writeAt;
      return size <= oldestAt ? 0 : -1;
    }
    return this.writeAt + size <= oldestAt ? this.writeAt : -1;
  }

  /** A larger buffer, the batches copied into it in order; false at maxBytes. */
  private grow(size: number): boolean {
    if (this.buf.length >= this.maxBytes) return false;
    let length = this.buf.length * 2;
    while (length < size) length *= 2;
    const next = Buffer.allocUnsafe(Math.min(length, this.maxBytes));
    let to = 0;
    for (let i = 0; i < this.batches; i++) {
      const slot = this.slot(i);
      this.buf.copy(next, to, this.at[slot], this.at[slot] + this.bytes[slot]);
      this.at[slot] = to;
      to += this.bytes[slot];
    }
    this.buf = next;
    this.writeAt = to;
    return true;
  }

  private evictOldest(): void {
    const slot = this.head;
    const first = this.first[slot];
    this.onEvict?.(first, first + this.count[slot]);
    if (this.parsed?.first === first) this.parsed = null;
    this.held -= this.count[slot];
    this.head = this.slot(1);
    this.batches--;
    if (this.batches === 0) this.writeAt = 0;
  }
}
