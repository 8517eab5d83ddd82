/**
 * The last `capacity` items, oldest first. A fixed circular buffer: pushing into a full ring
 * overwrites the oldest item in O(1), where trimming an array from the front would move every
 * item on each batch (the hub keeps 20,000 events and gets hundreds of batches a second).
 */
export class EventRing<T> {
  private readonly items: (T | undefined)[];
  /** Where the next push goes. */
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds `item`; returns the oldest item when a full ring lets it go for it. */
  push(item: T): T | undefined {
    const gone = this.size === this.capacity ? this.items[this.next] : undefined;
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    return gone;
  }

  /** The newest `n` items (all of them when n is larger), oldest first. */
  last(n = this.size): T[] {
    const count = Math.max(0, Math.min(n, this.size));
    const out = new Array<T>(count);
    const start = this.next - count + this.capacity;
    for (let i = 0; i < count; i++) out[i] = this.items[(start + i) % this.capacity] as T;
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
