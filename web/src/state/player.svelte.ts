/**
 * The time machine the page plays from: live, paused (events keep being recorded), stepping hop
 * by hop, playing at 0.1× to 2×, scrubbing, following one message, and the static viewer of an
 * opened trace file. Recording, checkpoints and seeking are trace/'s Timeline; this class only
 * decides what the stage shows and which hops it animates.
 */
import type { Envelope, LabEvent } from '../../../trace/events.ts';
import type { LabState } from '../../../trace/state.ts';
import { Timeline, MAX_EVENTS } from '../../../trace/timeline.ts';
import type { TraceFile } from '../../../trace/trace-file.ts';
import { emptyState } from '../../../trace/state.ts';
import { isHop } from '../lib/stage/hop-animation.ts';
import { nextSpeed } from '../lib/keys/keymap.ts';
import { LiveIntake } from '../lib/feed/live-intake.ts';
import { indexOf, nextHop } from '../lib/time/hop-order.ts';
import { ClassPace } from './class-pace.svelte.ts';

export type Mode = 'live' | 'paused' | 'playing';
/** Live: every hop as it comes (real time), or one message at a time, hop by hop (class). */
export type Pace = 'real' | 'class';

/**
 * A hop for the particle layer. `held` hops stay drawn at their end until the next step; a
 * class-pace beat's hops stay until the next message starts, so the whole story stands.
 */
export interface HopRequest {
  event: LabEvent;
  held: boolean;
  beat?: boolean;
}

/** How long one hop takes to play at 1×. */
export const HOP_MS = 900;
/** How often, at most, live updates reach the panels. */
export const UI_SYNC_MS = 200;

export class Player {
  mode = $state<Mode>('live');
  speed = $state(1);
  /** Index (in the kept events) of the event the stage shows; -1 is the base state. */
  cursor = $state(-1);
  length = $state(0);
  /** Events let go because of the cap. */
  dropped = $state(0);
  follow = $state<string | null>(null);
  /** Bumped whenever the shown state changes: what components depend on. */
  version = $state(0);
  current = $state.raw<LabEvent | null>(null);
  selected = $state.raw<LabEvent | null>(null);
  /** Set in the static viewer: the opened file's name. */
  viewer = $state<string | null>(null);
  /** Detail arrives sampled (the monitor's, or the page's own shedding). */
  sampled = $state(false);
  /** Flows the page left out because they came faster than it can draw. */
  shedFlows = $state(0);
  pace = $state<Pace>('real');
  readonly classPace = new ClassPace({
    play: (events) => this.playBeat(events),
    idle: () => this.classIdle(),
    beatMs: () => HOP_MS / this.speed,
  });

  /** What is being watched: the live recording, or an opened file's. */
  private timeline = new Timeline();
  /** The live recording, which keeps recording while a file is open. */
  private liveTimeline = this.timeline;
  private intake = new LiveIntake(() => this.flush());
  private hops: HopRequest[] = [];
  private playTimer: ReturnType<typeof setTimeout> | null = null;
  private syncTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSync = 0;
  private latestHop: LabEvent | null = null;
  /**
   * Appends to the live recording that folded (let the oldest events go at the cap): when
   * (performance.now()), how long the append took, and how many events went. The page bench reads
   * it (window.__fanoutLab.player.folds) to tell a fold's cost from the rest of a frame.
   */
  readonly folds: { t: number; ms: number; dropped: number }[] = [];
  /** Appends to the live recording, and the longest that did not fold, for comparison. */
  readonly appends = { n: 0, maxMs: 0 };

  /** When each client.emit reached the page, for the page's own share of the latency. */
  get arrivedAt(): WeakMap<LabEvent, number> {
    return this.intake.arrivedAt;
  }

  get state(): LabState {
    return this.timeline.current;
  }
  get live(): boolean {
    return this.mode === 'live' && this.viewer === null;
  }

  /** Events let go from the timeline's front so far (not throttled like `dropped`). */
  get folded(): number {
    return this.timeline.dropped;
  }

  /** Index of the newest recorded event (not throttled like `length`). */
  get lastIndex(): number {
    return this.timeline.length - 1;
  }

  at(i: number): LabEvent | undefined {
    return this.timeline.eventAt(i);
  }
  events(from = 0, to = this.timeline.length): LabEvent[] {
    return this.timeline.slice(from, to);
  }

  /** Queues a monitor batch; it is applied on the next animation frame. */
  receive(envelope: Envelope): void {
    if (envelope.sampled) this.sampled = true;
    this.intake.receive(envelope, performance.now());
  }

  /**
   * Events from the hub's hello: the history before the page opened, recorded without animation.
   * `snapshot` is the lab as it stood before them; a page that has recorded nothing yet starts
   * from it, so a page opened on a busy lab draws every server, client and channel even when the
   * events no longer reach back to the lab's start. A page that already records (a reconnect)
   * keeps its own recording and takes only the events it has not seen.
   */
  receiveHistory(events: LabEvent[], snapshot?: LabState): void {
    this.flush();
    if (snapshot && this.liveTimeline.length === 0 && this.liveTimeline.dropped === 0) {
      const start = Timeline.fromSnapshot(snapshot);
      if (this.timeline === this.liveTimeline) this.timeline = start;
      this.liveTimeline = start;
    }
    const fresh = this.intake.fresh(events);
    if (fresh.length === 0) return;
    this.record(fresh);
    if (this.viewer !== null) return;
    const last = [...fresh].reverse().find(isHop);
    // A backfill after a feed switch is older than what is shown: it never takes the narration.
    if (this.live && last && !this.current) this.current = last;
    this.sync();
  }

  /** Applies queued events now (tests call it instead of waiting for a frame). */
  flush(): void {
    const batch = this.intake.take();
    if (batch.length === 0) return;
    this.record(batch);
    if (this.viewer !== null) return;
    let lastHop: LabEvent | null = null;
    if (this.live) {
      for (const e of batch) {
        if (!isHop(e)) continue;
        // At class pace a message's hops wait their turn; the rest still play as they come.
        if (this.pace === 'class' && this.classPace.add(e)) continue;
        lastHop = e;
        this.hops.push({ event: e, held: false });
      }
      // The particle layer draws a sample when hops come faster than anyone can watch.
      if (this.hops.length > 2000) this.hops.splice(0, this.hops.length - 2000);
      if (lastHop) this.latestHop = lastHop;
    }
    this.syncSoon();
  }

  /** Appends to the live recording, timing the appends that fold. */
  private record(events: LabEvent[]): void {
    const before = this.liveTimeline.dropped;
    const t = performance.now();
    this.liveTimeline.append(events);
    const ms = performance.now() - t;
    this.appends.n += 1;
    const dropped = this.liveTimeline.dropped - before;
    if (dropped === 0) {
      this.appends.maxMs = Math.max(this.appends.maxMs, ms);
      return;
    }
    this.folds.push({ t, ms, dropped });
    if (this.folds.length > 5000) this.folds.splice(0, this.folds.length - 5000);
  }

  /**
   * Live, the panels and the stage's structure follow at most every UI_SYNC_MS: nobody reads a
   * narration that changes 60 times a second, and re-rendering it costs frames under load. The
   * particles do not wait: they read the newest state every frame.
   */
  private syncSoon(): void {
    if (this.syncTimer) return;
    const wait = Math.max(0, this.lastSync + UI_SYNC_MS - performance.now());
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.lastSync = performance.now();
      if (this.live && this.latestHop && !this.classPace.busy) this.current = this.latestHop;
      this.sync();
    }, wait);
  }

  private sync(): void {
    if (this.intake.shedFlows !== this.shedFlows) {
      this.shedFlows = this.intake.shedFlows;
      this.sampled = true;
    }
    this.length = this.timeline.length;
    this.dropped = this.timeline.dropped;
    this.cursor = this.timeline.cursor;
    this.version++;
  }

  /** Hops to animate since the last call (the particle layer pulls them each frame). */
  takeHops(): HopRequest[] {
    const out = this.hops;
    this.hops = [];
    return out;
  }

  /** At class pace, the hops of the beat on show. */
  get beat(): LabEvent[] | null {
    return this.classPace.beat;
  }

  setPace(pace: Pace): void {
    if (pace === this.pace) return;
    this.pace = pace;
    if (pace === 'real') this.classPace.skip();
  }

  private playBeat(events: LabEvent[]): void {
    this.current = events[0];
    for (const e of events) this.hops.push({ event: e, held: true, beat: true });
    this.sync();
  }

  private classIdle(): void {
    if (this.live && this.latestHop) this.current = this.latestHop;
    this.sync();
  }

  private find(from: number, dir: 1 | -1): number | undefined {
    return nextHop(this.timeline, from, dir, this.follow);
  }

  private show(i: number, animate: boolean): void {
    if (i === this.timeline.cursor + 1 && !this.timeline.live) this.timeline.stepForward();
    else this.timeline.seek(i);
    const e = this.timeline.eventAt(this.timeline.cursor) ?? null;
    if (e && isHop(e)) this.current = e;
    if (animate && e) this.hops.push({ event: e, held: true });
    this.sync();
  }

  pause(): void {
    this.stopPlaying();
    // At class pace, pause on the beat on show, not on the newest event behind the queue.
    const shown = this.beat?.at(-1);
    const at = shown && this.live ? indexOf(this.timeline, shown) : undefined;
    this.classPace.stop();
    // Freeze a copy: the live head keeps moving while we look.
    if (at !== undefined) this.timeline.seek(at);
    else if (this.timeline.live) this.timeline.seek(this.timeline.cursor);
    this.mode = 'paused';
    this.sync();
  }

  goLive(): void {
    if (this.viewer !== null) return;
    this.stopPlaying();
    this.follow = null;
    this.mode = 'live';
    this.timeline.live = true;
    if (this.latestHop) this.current = this.latestHop;
    this.sync();
  }

  stepForward(): boolean {
    if (this.mode === 'live') this.pause();
    const next = this.find(this.timeline.cursor, 1);
    if (next === undefined) return false;
    this.show(next, true);
    return true;
  }

  stepBack(): boolean {
    if (this.mode !== 'paused') this.pause();
    const prev = this.find(this.timeline.cursor, -1);
    if (prev === undefined) return false;
    this.show(prev, true);
    return true;
  }

  seek(i: number): void {
    if (this.mode !== 'paused') this.pause();
    this.show(Math.max(-1, Math.min(this.timeline.length - 1, Math.round(i))), true);
  }

  first(): void {
    this.seek(-1);
    this.stepForward();
  }

  last(): void {
    this.seek(this.timeline.length - 1);
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
      const next = this.find(this.timeline.cursor, 1);
      if (next === undefined) {
        // Caught up: back to live, or stay at the end of a file or a followed message.
        if (this.viewer !== null || this.follow !== null) this.mode = 'paused';
        else this.goLive();
        return;
      }
      this.show(next, true);
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
    if (this.mode !== 'paused') this.pause();
    const first = this.find(-1, 1);
    if (first !== undefined) this.show(first, true);
  }

  unfollow(): void {
    this.follow = null;
  }

  select(e: LabEvent | null): void {
    this.selected = e;
  }

  /** The recording, as trace/'s serializeTrace wants it. */
  exportParts(): { events: LabEvent[]; snapshot?: LabState } {
    const events = this.timeline.slice();
    // A recording that does not start from an empty lab (folded events, the hub's snapshot, an
    // opened file's) starts from its base state.
    const base = this.timeline.stateAt(-1);
    return base.events > 0 || this.viewer !== null ? { events, snapshot: base } : { events };
  }

  /** Opens a trace file in the static viewer, paused on its first hop. */
  openFile(file: TraceFile, name: string): void {
    this.stopPlaying();
    this.classPace.stop();
    this.viewer = name;
    this.follow = null;
    this.timeline = Timeline.fromSnapshot(file.snapshot ?? emptyState(), file.events, {
      maxEvents: Math.max(MAX_EVENTS, file.events.length),
    });
    this.timeline.seek(-1);
    this.mode = 'paused';
    this.current = null;
    this.selected = null;
    this.sync();
    this.stepForward();
  }

  /** Leaves the static viewer, back to the live recording (which kept recording). */
  closeFile(): void {
    this.viewer = null;
    this.timeline = this.liveTimeline;
    this.current = null;
    this.goLive();
  }
}
