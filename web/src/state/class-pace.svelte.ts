/**
 * The class pace's clock: live messages queue up (lib/time/class-queue.ts) and play one beat at
 * a time, a beat every HOP_MS at 1× (the speed control applies), while the page shows how many
 * wait. The player decides what a beat shows; this only says when.
 */
import type { LabEvent } from '../../../trace/events.ts';
import { ClassQueue, type Beat } from '../lib/time/class-queue.ts';

export interface ClassPaceHooks {
  /** Show this beat now. */
  play(events: LabEvent[]): void;
  /** Nothing left to play. */
  idle(): void;
  /** How long a beat lasts at the current speed. */
  beatMs(): number;
}

/** While the playing message may still get hops, look again this often. */
const RECHECK_MS = 150;

export class ClassPace {
  /** Messages waiting behind the one playing. */
  waiting = $state(0);
  /** The message playing, or null when the queue is empty. */
  playing = $state<string | null>(null);
  /** Messages let go because too many waited. */
  dropped = $state(0);
  /** The hops of the beat on show (the copies Redis hands out, the receipts...). */
  beat = $state.raw<LabEvent[] | null>(null);
  private queue = new ClassQueue();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The message on show: its beats stay drawn until another starts. */
  private flow: string | null = null;
  private release = false;

  constructor(private readonly hooks: ClassPaceHooks) {}

  /** Queues a hop of a message (true), or says it is not one (false: it plays in real time). */
  add(e: LabEvent): boolean {
    if (!this.queue.add(e, performance.now())) return false;
    this.update();
    // The first beat plays at once, so a class sees its message start without a wait.
    if (this.timer === null) this.tick();
    return true;
  }

  /** A message is playing or waiting. */
  get busy(): boolean {
    return this.timer !== null;
  }

  /** True once when the drawn beats are to go (another message starts, or none is left). */
  takeRelease(): boolean {
    const r = this.release;
    this.release = false;
    return r;
  }

  /** Skip to now: what waits is let go, and the stage goes back to the newest hop. */
  skip(): void {
    this.stop();
    this.idle();
  }

  /** Stops playing without moving the stage (pausing keeps the beat on show). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.clear();
    this.beat = null;
    this.update();
  }

  private idle(): void {
    this.beat = null;
    this.flow = null;
    this.release = true;
    this.hooks.idle();
  }

  private play(b: Beat): void {
    if (b.flow !== this.flow) this.release = true;
    this.flow = b.flow;
    this.beat = b.events;
    this.hooks.play(b.events);
  }

  private tick = (): void => {
    this.timer = null;
    const beat = this.queue.next(performance.now());
    this.update();
    if (beat === null) {
      this.idle();
      return;
    }
    if (beat === 'wait') {
      this.timer = setTimeout(this.tick, RECHECK_MS);
      return;
    }
    this.play(beat);
    this.timer = setTimeout(this.tick, this.hooks.beatMs());
  };

  private update(): void {
    this.waiting = this.queue.waiting;
    this.playing = this.queue.current;
    this.dropped = this.queue.dropped;
  }
}
