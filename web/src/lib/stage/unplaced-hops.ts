/**
 * Hops the stage cannot draw yet because a node they go from is not laid out: a client that
 * connected a moment ago reaches the trace before the stage's model catches up, and its first
 * message would otherwise never be drawn. Such a hop is tried again on the next frames, a
 * bounded number of times, then let go.
 */
export class UnplacedHops<H extends object> {
  private readonly tries = new Map<H, number>();
  private waiting: H[] = [];

  constructor(private readonly maxTries = 20) {}

  /** This frame's hops: the ones still waiting (they came first), then the new ones. */
  take(fresh: H[]): H[] {
    if (this.waiting.length === 0) return fresh;
    const out = [...this.waiting, ...fresh];
    this.waiting = [];
    return out;
  }

  /** A hop with nothing to draw yet: true if it will be offered again next frame. */
  retry(hop: H): boolean {
    const n = (this.tries.get(hop) ?? 0) + 1;
    if (n > this.maxTries) {
      this.tries.delete(hop);
      return false;
    }
    this.tries.set(hop, n);
    this.waiting.push(hop);
    return true;
  }

  /** A hop that was drawn. */
  drawn(hop: H): void {
    if (this.tries.size) this.tries.delete(hop);
  }
}
