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
import { cloneState, emptyState, type LabState } from '../trace/state.ts';
import { EventRing } from './event-ring.ts';

/** Events a page gets with the snapshot when it opens: its scrubber's history. */
export const HISTORY_EVENTS = 5000;

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
  private readonly window: EventRing<LabEvent>;

  constructor(windowSize = HISTORY_EVENTS) {
    this.window = new EventRing<LabEvent>(Math.max(1, windowSize));
  }

  push(event: LabEvent): void {
    const leaving = this.window.push(event);
    if (leaving) reduce(this.base, leaving);
  }

  /** What a page opening now starts from: the state before `events`, then `events`. */
  hello(): { snapshot: LabState; events: LabEvent[] } {
    return { snapshot: standingOf(this.base), events: this.window.last() };
  }

  /** The state after every event the hub got, without its messages. */
  now(): LabState {
    const state = standingOf(this.base);
    for (const e of this.window.last()) reduce(state, e);
    return standingOf(state);
  }

  /** Forgets the recent history (the trace was reset), not the lab: its events fold into the base. */
  foldHistory(): void {
    for (const e of this.window.last()) reduce(this.base, e);
    this.window.clear();
  }
}
