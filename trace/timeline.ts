/**
 * The timeline: every event in arrival order, with the state after any of them one short replay
 * away. Like RaftScope's time machine, it keeps checkpoints (clones of the state), so seeking
 * replays only the events since the nearest one, and stepping back costs the same as a seek.
 *
 * Checkpoints come every `checkpointEvery` events, or further apart when the state is heavy:
 * about the objects a fork of it copies (forkState shares the flows) in events, up to a quarter
 * of `maxEvents`. Reducing is far cheaper than copying, so this keeps the cost of checkpoints
 * per event small, and their memory bounded, whatever the lab's size.
 *
 * Indexes are positions in the events the timeline still holds (0 = the oldest kept); `-1`
 * means the base state before them. `dropped` says how many older events were let go.
 */
import type { LabEvent } from './events.ts';
import { reduce } from './reducer.ts';
import { forkState, emptyState, type LabState } from './state.ts';

/** Events between two checkpoints while the state is light. */
export const CHECKPOINT_EVERY = 500;
/** Events kept; beyond it the oldest go, a checkpoint at a time, so memory stays flat. */
export const MAX_EVENTS = 50_000;

export interface TimelineOptions {
  checkpointEvery?: number;
  maxEvents?: number;
}

export class Timeline {
  readonly checkpointEvery: number;
  readonly maxEvents: number;
  /** Events let go from the front since the start: add it to an index for a stable number. */
  dropped = 0;
  /** Bumped on every change, so a view can tell that `current` changed in place. */
  version = 0;
  /**
   * The work of recording since the start: checkpoints made (each a fork of the state), folds
   * (trims that let events go), and the events a fold moved (kept ones shifted to the front).
   * Tests read it to check that folding at the cap stays a checkpoint's worth at a time.
   */
  readonly work = { forks: 0, folds: 0, moved: 0 };
  private events: LabEvent[] = [];
  /** States before events[at], ascending by `at`; the first (at 0) is the base. */
  private checkpoints: { at: number; state: LabState }[];
  /** Events to wait, from the last checkpoint, before the next. */
  private interval: number;
  /** The state after every event: the timeline's own, reduced in place. */
  private head: LabState;
  private cursorIndex = -1;
  private cursorState: LabState | null = null;
  private following = true;

  constructor(options: TimelineOptions = {}, base: LabState = emptyState()) {
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? CHECKPOINT_EVERY);
    this.maxEvents = Math.max(this.checkpointEvery, options.maxEvents ?? MAX_EVENTS);
    this.checkpoints = [{ at: 0, state: forkState(base) }];
    this.head = forkState(base);
    this.interval = this.nextInterval(base);
  }

  /** A timeline that starts from a state (the hub's snapshot, a trace file's) and goes on with `events`. */
  static fromSnapshot(
    state: LabState,
    events: readonly LabEvent[] = [],
    options?: TimelineOptions,
  ): Timeline {
    const timeline = new Timeline(options, state);
    timeline.append(events);
    return timeline;
  }

  get length(): number {
    return this.events.length;
  }

  /** The index of the last event applied to `current`; -1 for the base state. */
  get cursor(): number {
    return this.cursorIndex;
  }

  /** While live, the cursor follows every appended event. Seeking or stepping turns it off. */
  get live(): boolean {
    return this.following;
  }

  set live(on: boolean) {
    this.following = on;
    if (on) this.moveTo(this.events.length - 1, this.head);
  }

  /**
   * The state at the cursor. While live it is the timeline's head, which later appends change in
   * place (watch `version`); otherwise a state of its own. Treat it as read-only either way.
   */
  get current(): LabState {
    return this.cursorState ?? this.head;
  }

  /** Checkpoints held, the base included: what the timeline's memory grows with. */
  get checkpointCount(): number {
    return this.checkpoints.length;
  }

  eventAt(index: number): LabEvent | undefined {
    return this.events[index];
  }

  /** The kept events from `from` up to (not including) `to`. */
  slice(from = 0, to = this.events.length): LabEvent[] {
    return this.events.slice(from, to);
  }

  append(events: readonly LabEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      this.events.push(event);
      reduce(this.head, event);
      const last = this.checkpoints[this.checkpoints.length - 1];
      if (this.events.length - last.at >= this.interval) {
        this.checkpoints.push({ at: this.events.length, state: forkState(this.head) });
        this.work.forks += 1;
        this.interval = this.nextInterval(this.head);
      }
    }
    this.trim();
    if (this.following) this.moveTo(this.events.length - 1, this.head);
    this.version += 1;
  }

  /** A fresh state after event `index` (clamped to the events kept); the caller may keep and change it. */
  stateAt(index: number): LabState {
    const i = this.clamp(index);
    if (i === this.events.length - 1) return forkState(this.head);
    let j = this.checkpoints.length - 1;
    while (this.checkpoints[j].at > i + 1) j--;
    const state = forkState(this.checkpoints[j].state);
    for (let k = this.checkpoints[j].at; k <= i; k++) reduce(state, this.events[k]);
    return state;
  }

  /** Moves the cursor to after event `index` and stops following live. */
  seek(index: number): LabState {
    this.following = false;
    const i = this.clamp(index);
    this.moveTo(i, this.stateAt(i));
    return this.current;
  }

  stepForward(): LabState {
    if (this.cursorIndex >= this.events.length - 1) return this.seek(this.cursorIndex);
    this.following = false;
    // One event on top of a private copy: cheaper than a replay from the checkpoint.
    const state = reduce(forkState(this.current), this.events[this.cursorIndex + 1]);
    this.moveTo(this.cursorIndex + 1, state);
    return state;
  }

  stepBack(): LabState {
    return this.seek(this.cursorIndex - 1);
  }

  private clamp(index: number): number {
    return Math.min(Math.max(index, -1), this.events.length - 1);
  }

  private moveTo(index: number, state: LabState): void {
    this.cursorIndex = index;
    this.cursorState = state === this.head ? null : state;
    this.version += 1;
  }

  /**
   * Events until the next checkpoint: about what a fork of the state copies (its servers,
   * sockets, clients and the lists of flows and rosters; flows themselves are shared, see
   * forkState), so the cost of checkpoints per event stays small whatever the lab's size, but
   * never so far apart that fewer than four fit in `maxEvents`, so stepping back always has history.
   */
  private nextInterval(state: LabState): number {
    let weight = Object.keys(state.sockets).length * 2 + Object.keys(state.clients).length * 2;
    weight += state.flowOrder.length + state.goneSockets.length;
    weight += Object.keys(state.rosters).length;
    for (const server of Object.values(state.servers)) weight += server.sockets.length;
    const most = Math.max(this.checkpointEvery, Math.floor(this.maxEvents / 4));
    return Math.min(most, Math.max(this.checkpointEvery, weight));
  }

  /** Drops the events before a checkpoint, which becomes the new base, so at most maxEvents stay. */
  private trim(): void {
    const excess = this.events.length - this.maxEvents;
    if (excess <= 0) return;
    let j = this.checkpoints.findIndex((c) => c.at >= excess);
    if (j < 0) {
      // Checkpoints are sparse (a heavy state): make one at the head and keep no history.
      this.checkpoints.push({ at: this.events.length, state: forkState(this.head) });
      this.work.forks += 1;
      j = this.checkpoints.length - 1;
    }
    const count = this.checkpoints[j].at;
    this.events.splice(0, count);
    this.checkpoints.splice(0, j);
    for (const c of this.checkpoints) c.at -= count;
    this.dropped += count;
    this.work.folds += 1;
    this.work.moved += this.events.length;
    if (!this.following) {
      // A cursor on dropped events lands on the new base.
      const index = this.cursorIndex - count;
      if (index < -1) this.moveTo(-1, forkState(this.checkpoints[0].state));
      else this.cursorIndex = index;
    }
  }
}
