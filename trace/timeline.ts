/**
 * The timeline: every event in arrival order, with the state after any of them one short replay
 * away. Like RaftScope's time machine, it keeps checkpoints (clones of the state) every K events,
 * so seeking replays at most K-1 events, and stepping back costs the same as stepping forward.
 *
 * Indexes are positions in the events the timeline still holds (0 = the oldest kept); `-1`
 * means the base state before them. `dropped` says how many older events were let go.
 */
import type { LabEvent } from './events.ts';
import { reduce } from './reducer.ts';
import { emptyState, type LabState } from './state.ts';

/** Events between two checkpoints: the most a seek replays. */
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
  private events: LabEvent[] = [];
  /** checkpoints[j] is the state before events[j * checkpointEvery]; [0] is the base. */
  private checkpoints: LabState[];
  /** The state after every event: the timeline's own, reduced in place. */
  private head: LabState;
  private cursorIndex = -1;
  private cursorState: LabState | null = null;
  private following = true;

  constructor(options: TimelineOptions = {}, base: LabState = emptyState()) {
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? CHECKPOINT_EVERY);
    this.maxEvents = Math.max(this.checkpointEvery, options.maxEvents ?? MAX_EVENTS);
    this.checkpoints = [structuredClone(base)];
    this.head = structuredClone(base);
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
      if (this.events.length % this.checkpointEvery === 0)
        this.checkpoints.push(structuredClone(this.head));
    }
    this.trim();
    if (this.following) this.moveTo(this.events.length - 1, this.head);
    this.version += 1;
  }

  /** A fresh state after event `index` (clamped to the events kept); the caller may keep and change it. */
  stateAt(index: number): LabState {
    const i = this.clamp(index);
    if (i === this.events.length - 1) return structuredClone(this.head);
    const j = Math.floor((i + 1) / this.checkpointEvery);
    const state = structuredClone(this.checkpoints[j]);
    for (let k = j * this.checkpointEvery; k <= i; k++) reduce(state, this.events[k]);
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
    const state = reduce(structuredClone(this.current), this.events[this.cursorIndex + 1]);
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

  /** Drops whole checkpoint intervals from the front, so the new base is an existing checkpoint. */
  private trim(): void {
    const excess = this.events.length - this.maxEvents;
    if (excess <= 0) return;
    const intervals = Math.ceil(excess / this.checkpointEvery);
    const count = intervals * this.checkpointEvery;
    this.events.splice(0, count);
    this.checkpoints.splice(0, intervals);
    this.dropped += count;
    if (!this.following) {
      // A cursor on dropped events lands on the new base.
      const index = this.cursorIndex - count;
      if (index < -1) this.moveTo(-1, structuredClone(this.checkpoints[0]));
      else this.cursorIndex = index;
    }
  }
}
