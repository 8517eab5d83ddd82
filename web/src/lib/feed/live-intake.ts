/**
 * What the page lets in from the feed before it records it: each event once (a feed switch or a
 * reconnect sends some twice), and whole messages only while the page can draw them (past its
 * budget it leaves whole flows out; state events always pass).
 */
import type { Envelope, LabEvent } from '../../../../trace/events.ts';
import { FlowBudget } from './flow-budget.ts';
import { SeenEvents } from './seen-events.ts';

export class LiveIntake {
  /** When each client.emit reached the page, for the page's own share of the latency. */
  readonly arrivedAt = new WeakMap<LabEvent, number>();
  private seen = new SeenEvents();
  private budget = new FlowBudget();
  private pending: LabEvent[] = [];
  private frame = 0;

  /** `onframe` runs on the next animation frame after something arrives. */
  constructor(private readonly onframe: () => void) {}

  /** Takes a monitor batch in; `take` hands it over, at the latest on the next frame. */
  receive(envelope: Envelope, now: number): void {
    for (const e of envelope.events) {
      if (e.flow !== undefined && !this.budget.keep(e.flow, now)) continue;
      if (!this.seen.fresh(e)) continue;
      if (e.kind === 'client.emit') this.arrivedAt.set(e, now);
      this.pending.push(e);
    }
    if (this.frame) return;
    const raf =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame
        : (f: FrameRequestCallback) =>
            setTimeout(() => f(performance.now()), 16) as unknown as number;
    this.frame = raf(() => {
      this.frame = 0;
      this.onframe();
    });
  }

  /** The events of `history` not seen before. */
  fresh(history: readonly LabEvent[]): LabEvent[] {
    return history.filter((e) => this.seen.fresh(e));
  }

  /** Everything received since the last call. */
  take(): LabEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  get shedFlows(): number {
    return this.budget.shedFlows;
  }
}
