/**
 * The hub's recent events (RING_SIZE of them), kept as the JSON text of the batches that brought
 * them, and parsed again only when someone asks: a trace download, a page's backfill, a test.
 *
 * Why text (issue 15): held as objects, 20,000 events were a few hundred thousand small objects
 * (a receive carries its decoded message), and every major garbage collection had to mark them
 * all. On the one CPU the bench gives the servers, that marking took 100 to 200 ms, and a broadcast
 * arriving meanwhile waited for it. A batch's text is one string, which the collector does not
 * look into. The servers' sinks and the monitor channel hand the hub that text anyway.
 */
import type { LabEvent } from '../trace/events.ts';

interface Batch {
  /** The envelope's JSON, as its source encoded it. */
  json: string;
  /** How many events it holds. */
  count: number;
}

export class BatchRing {
  private batches: Batch[] = [];
  /** Index of the oldest batch still kept; the array is compacted now and then. */
  private head = 0;
  /** Events in the kept batches: at least `capacity` once full, less than a batch more. */
  private events = 0;

  constructor(readonly capacity: number) {}

  /** Events that `last()` can give. */
  get length(): number {
    return Math.min(this.events, this.capacity);
  }

  /** Keeps a batch of `count` events, whose envelope's JSON is `json`. */
  push(json: string, count: number): void {
    if (count <= 0) return;
    this.batches.push({ json, count });
    this.events += count;
    // Whole batches go: the oldest while the rest still hold `capacity` events.
    while (this.events - this.batches[this.head].count >= this.capacity) {
      this.events -= this.batches[this.head].count;
      this.batches[this.head++] = undefined as unknown as Batch;
    }
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  /** The newest `n` events (all of them, up to `capacity`, when n is larger), oldest first. */
  last(n = this.capacity): LabEvent[] {
    const want = Math.max(0, Math.min(n, this.length));
    const parts: LabEvent[][] = [];
    let have = 0;
    for (let i = this.batches.length - 1; i >= this.head && have < want; i--) {
      const events = (JSON.parse(this.batches[i].json) as { events: LabEvent[] }).events;
      parts.push(events);
      have += events.length;
    }
    const all = parts.reverse().flat();
    return all.slice(all.length - want);
  }

  clear(): void {
    this.batches = [];
    this.head = 0;
    this.events = 0;
  }
}
