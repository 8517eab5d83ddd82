/**
 * The lab's standing state, kept by the hub for pages that open late: the servers, their Redis
 * connections and subscriptions, the sockets, clients and rooms, whatever the event ring still
 * holds. A page opened after an hour of traffic gets the state before the newest `window` events
 * plus those events, so its stage is the same as one that was open from the start (issue 20:
 * the ring held 51 s of a busy lab, and a page built only from it showed no clients at all).
 *
 * Every event the hub gets passes through here once: it waits in the window, and is reduced into
 * the base when it leaves it. State events (connects, joins, SUBSCRIBEs) are never sampled by
 * the monitor, so the base is exact even when detail is.
 */
import type { LabEvent } from '../trace/events.ts';
import { reduce } from '../trace/reducer.ts';
import { keepNewestFlows } from '../trace/reduce-flows.ts';
import { cloneState, emptyState, type LabState } from '../trace/state.ts';
import type { BatchRing } from './batch-ring.ts';

/** Events a page gets with the snapshot when it opens: its scrubber's history. */
export const HISTORY_EVENTS = 5000;

/**
 * Flows the base keeps: the few whose events straddle the window's edge (a stream entry takes
 * its event name from its flow). The base's flows are never shown (standingOf leaves them out),
 * and kept up to FLOW_CAP, as a page keeps them, they lived for seconds: long enough for V8 to promote them
 * to the old generation, whose collections stall the servers in this process (batch-ring.ts).
 */
const BASE_FLOWS = 8;

/**
 * The state without its messages: flows are history (the window's events bring the recent
 * ones), and a page needs none to draw the stage. It keeps a snapshot of a busy lab to the size
 * of its servers, sockets and clients.
 */
export function standingOf(state: LabState): LabState {
  const { flows: _flows, flowOrder: _order, rosters: _rosters, ...rest } = state;
  return { ...cloneState(rest), flows: {}, flowOrder: [], rosters: {}, currentRoster: null };
}

export class StandingState {
  private base: LabState = emptyState();
  /** The global index (batch-ring.ts) of the first event not yet in the base. */
  private reduced = 0;

  /**
   * The window is the newest `windowSize` events of `ring`, read from it when asked; the ring
   * tells the standing state before it lets a batch go, so no event leaves unreduced.
   */
  constructor(
    private readonly ring: BatchRing,
    private readonly windowSize = HISTORY_EVENTS,
  ) {
    ring.onEvict = (_first, end) => this.reduceUpTo(end);
  }

  /** After the ring got a batch: the events now older than the window go into the base. */
  advance(): void {
    this.reduceUpTo(this.ring.total - Math.max(1, this.windowSize));
  }

  /**
   * Events the ring could not keep (a batch larger than all of it): the window goes into the
   * base first, so the base still has every event in order.
   */
  foldIn(events: LabEvent[]): void {
    this.foldHistory();
    for (const e of events) reduce(this.base, e);
    keepNewestFlows(this.base, BASE_FLOWS);
    this.reduced = this.ring.total;
  }

  /** What a page opening now starts from: the state before `events`, then `events`. */
  hello(): { snapshot: LabState; events: LabEvent[] } {
    return { snapshot: standingOf(this.base), events: this.window() };
  }

  /** The state after every event the hub got, without its messages. */
  now(): LabState {
    const state = standingOf(this.base);
    for (const e of this.window()) reduce(state, e);
    return standingOf(state);
  }

  /** Forgets the recent history (the trace was reset), not the lab: its events fold into the base. */
  foldHistory(): void {
    this.reduceUpTo(this.ring.total);
  }

  private window(): LabEvent[] {
    return this.ring.between(this.reduced, this.ring.total);
  }

  private reduceUpTo(index: number): void {
    if (index <= this.reduced) return;
    for (const e of this.ring.between(this.reduced, index)) reduce(this.base, e);
    keepNewestFlows(this.base, BASE_FLOWS);
    this.reduced = index;
  }
}
