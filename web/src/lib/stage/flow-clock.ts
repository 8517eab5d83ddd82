/**
 * Live, a message's hops reach the page within milliseconds of each other, and from several
 * servers in any order. The clock gives each hop its place in the message's story instead: a
 * slot, in legs, after the message's first hop (emit; PUBLISH into the channel, then Redis's
 * match; the copies and Redis's answer; deliveries; receipts), so the eye can follow it and a
 * copy never leaves Redis before the PUBLISH has arrived there.
 */
import { causalRank } from '../../../../trace/causal-order.ts';
import type { LabEvent } from '../../../../trace/events.ts';

/** Legs before each causal rank (trace/causal-order.ts RANK) starts. */
const SLOT: readonly number[] = [0, 1, 2, 3, 3, 4, 5, 6, 6, 5, 0];

export class FlowClock {
  private readonly flows = new Map<string, { t0: number; seen: number }>();

  constructor(private readonly forgetMs = 10_000) {}

  /** When `e` should start moving: its slot after its message's start, and never before now. */
  startAt(e: LabEvent, now: number, legMs: number): number {
    if (!e.flow) return now;
    const slot = SLOT[causalRank(e)] ?? 0;
    let f = this.flows.get(e.flow);
    if (!f) {
      // The first hop seen starts now: the message's start is set back by its slot.
      f = { t0: now - slot * legMs, seen: now };
      this.flows.set(e.flow, f);
      if (this.flows.size > 512) this.forget(now);
    }
    f.seen = now;
    return Math.max(now, f.t0 + slot * legMs);
  }

  private forget(now: number): void {
    for (const [id, f] of this.flows) if (now - f.seen > this.forgetMs) this.flows.delete(id);
  }
}
