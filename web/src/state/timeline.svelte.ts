/**
 * The time machine the page plays from: live, paused (events keep being recorded), stepping
 * hop by hop, playing at 0.1× to 2×, scrubbing, following one message, and the static viewer of
 * an opened trace file. Reduction happens in trace/ (through Recording); this class only decides
 * which state the stage shows and which hops it animates.
 */
import type { Envelope, LabEvent } from '../../../trace/events.ts';
import type { LabState } from '../../../trace/state.ts';
import { reduce } from '../../../trace/reducer.ts';
import { Recording, SeenEvents, isHop } from '../lib/recording.ts';
import { nextSpeed } from '../lib/keymap.ts';
import type { TraceFile } from '../lib/trace-file.ts';

export type Mode = 'live' | 'paused' | 'playing';

/** A hop for the particle layer; `held` hops stay drawn until the next step. */
export interface HopRequest {
  event: LabEvent;
  held: boolean;
}

/** How long one hop takes to play at 1×. */
export const HOP_MS = 900;

export class Timeline {
  mode = $state<Mode>('live');
  speed = $state(1);
  /** Absolute index of the event the stage shows (the last one applied). */
  cursor = $state(-1);
  start = $state(0);
  end = $state(0);
  follow = $state<string | null>(null);
  /** Bumped whenever the shown state changes: what components depend on. */
  version = $state(0);
  current = $state.raw<LabEvent | null>(null);
  selected = $state.raw<LabEvent | null>(null);
  /** Set in the static viewer: the opened file's name. */
  viewer = $state<string | null>(null);
  sampled = $state(false);

  /** What is being watched: the live recording, or an opened file's. */
  private recording = new Recording();
  /** The live recording, which keeps recording while a file is open. */
  private liveRecording = this.recording;
  private seen = new SeenEvents();
  private view: LabState = this.recording.head;
  private pending: LabEvent[] = [];
  private hops: HopRequest[] = [];
  private frame = 0;
  private playTimer: ReturnType<typeof setTimeout> | null = null;

  get state(): LabState {
    return this.view;
  }
  get head(): LabState {
    return this.recording.head;
  }
  get live(): boolean {
    return this.mode === 'live' && this.viewer === null;
  }
  get evicted(): number {
    return this.recording.evicted;
  }
  get cap(): number {
    return this.recording.cap;
  }

  /** Events in [from, to), for the log. */
  events(from: number, to: number): LabEvent[] {
    return this.recording.window(from, to);
  }
  at(i: number): LabEvent | undefined {
    return this.recording.at(i);
  }

  /** Queues a monitor batch; it is applied on the next animation frame. */
  receive(envelope: Envelope): void {
    if (envelope.sampled) this.sampled = true;
    for (const e of envelope.events) if (this.seen.fresh(e)) this.pending.push(e);
    this.schedule();
  }

  /** Events from the hub's hello: the history before the page opened. */
  receiveHistory(events: LabEvent[]): void {
    this.receive({ v: 1, from: 'hub', events });
  }

  private schedule(): void {
    if (this.frame) return;
    const raf =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame
        : (f: FrameRequestCallback) =>
            setTimeout(() => f(performance.now()), 16) as unknown as number;
    this.frame = raf(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** Applies queued events (tests call it directly instead of waiting for a frame). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let lastHop: LabEvent | null = null;
    for (const e of batch) {
      this.liveRecording.push(e);
      if (this.live && isHop(e)) {
        lastHop = e;
        this.hops.push({ event: e, held: false });
      }
    }
    // The particle layer draws a sample when hops come faster than anyone can watch.
    if (this.hops.length > 2000) this.hops.splice(0, this.hops.length - 2000);
    if (this.viewer !== null) return;
    this.start = this.recording.start;
    this.end = this.recording.end;
    if (this.live) {
      this.view = this.recording.head;
      this.cursor = this.end - 1;
      if (lastHop) this.current = lastHop;
      this.version++;
    } else if (this.cursor < this.start) {
      this.seek(this.start);
    }
  }

  /** Hops to animate since the last call (the particle layer pulls them each frame). */
  takeHops(): HopRequest[] {
    const out = this.hops;
    this.hops = [];
    return out;
  }

  private keep = (e: LabEvent) => this.follow === null || e.flow === this.follow;

  private show(i: number, animate: boolean): void {
    const e = this.recording.at(i) ?? null;
    // One step forward reduces into the private copy on show; anything else seeks.
    if (e && i === this.cursor + 1 && this.view !== this.recording.head) reduce(this.view, e);
    else this.view = this.recording.stateAfter(i);
    this.cursor = i;
    this.current = e && isHop(e) ? e : this.current;
    if (animate && e) this.hops.push({ event: e, held: true });
    this.version++;
  }

  pause(): void {
    if (this.mode === 'live' && this.viewer === null) {
      // Freeze a copy: the head keeps moving while we look.
      this.view = this.recording.stateAfter(this.cursor);
    }
    this.stopPlaying();
    this.mode = 'paused';
    this.version++;
  }

  goLive(): void {
    if (this.viewer !== null) return;
    this.stopPlaying();
    this.follow = null;
    this.mode = 'live';
    this.view = this.recording.head;
    this.cursor = this.end - 1;
    this.version++;
  }

  stepForward(): boolean {
    if (this.mode === 'live') this.pause();
    const next = this.recording.nextHop(this.cursor, this.keep);
    if (next === undefined) return false;
    this.show(next, true);
    return true;
  }

  stepBack(): boolean {
    if (this.mode === 'live') this.pause();
    if (this.mode === 'playing') {
      this.stopPlaying();
      this.mode = 'paused';
    }
    const prev = this.recording.prevHop(this.cursor, this.keep);
    if (prev === undefined) return false;
    this.show(prev, true);
    return true;
  }

  seek(i: number): void {
    if (this.mode === 'live') this.pause();
    const clamped = Math.max(this.start - 1, Math.min(this.end - 1, Math.round(i)));
    this.show(clamped, true);
  }

  first(): void {
    this.seek(this.start - 1);
    this.stepForward();
  }

  last(): void {
    this.seek(this.end - 1);
  }

  togglePlay(): void {
    if (this.mode === 'playing' || this.mode === 'live') this.pause();
    else this.play();
  }

  play(): void {
    if (this.mode === 'live') return;
    this.mode = 'playing';
    const tick = () => {
      if (this.mode !== 'playing') return;
      if (!this.stepForward()) {
        // Caught up with the recording: back to live, or stop at the end of a file.
        if (this.viewer !== null || this.follow !== null) this.mode = 'paused';
        else this.goLive();
        return;
      }
      this.mode = 'playing';
      this.playTimer = setTimeout(tick, HOP_MS / this.speed);
    };
    this.playTimer = setTimeout(tick, 0);
  }

  private stopPlaying(): void {
    if (this.playTimer) clearTimeout(this.playTimer);
    this.playTimer = null;
  }

  changeSpeed(dir: 1 | -1): void {
    this.speed = nextSpeed(this.speed, dir);
  }

  setSpeed(speed: number): void {
    this.speed = Math.min(2, Math.max(0.1, speed));
  }

  /** Follows one message: stepping and playing visit only its hops, from its first one. */
  followFlow(flow: string | undefined | null): void {
    if (!flow) return;
    this.follow = flow;
    if (this.mode === 'live') this.pause();
    const first = this.recording.nextHop(this.start - 1, (e) => e.flow === flow);
    if (first !== undefined) this.show(first, true);
  }

  unfollow(): void {
    this.follow = null;
  }

  select(e: LabEvent | null): void {
    this.selected = e;
  }

  /** The recording as a trace file's parts. */
  exportParts(): { events: LabEvent[]; base?: LabState } {
    const events = this.recording.window();
    return this.recording.evicted > 0 ? { events, base: this.recording.baseState() } : { events };
  }

  /** Opens a trace file in the static viewer, paused on its first hop. */
  openFile(file: TraceFile, name: string): void {
    this.stopPlaying();
    this.viewer = name;
    this.follow = null;
    this.recording = new Recording(
      Math.max(this.recording.cap, file.events.length),
      file.base,
      file.events,
    );
    this.start = this.recording.start;
    this.end = this.recording.end;
    this.mode = 'paused';
    this.cursor = this.start - 1;
    this.view = this.recording.stateAfter(this.cursor);
    this.current = null;
    this.selected = null;
    this.stepForward();
  }

  /** Leaves the static viewer, back to the live recording (which kept recording). */
  closeFile(): void {
    this.viewer = null;
    this.recording = this.liveRecording;
    this.start = this.recording.start;
    this.end = this.recording.end;
    this.current = null;
    this.goLive();
  }
}
