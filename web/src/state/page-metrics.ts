/**
 * What the benchmark and the browser tests read from the page (window.__fanoutLab.metrics):
 * latencies from a client's emit to the first animation frame that draws it.
 */
import type { SpawnRecord } from '../lib/stage/particles.ts';

const KEEP = 5000;

export class PageMetrics {
  /** Milliseconds from the server stamping a client.emit to the frame that first draws it. */
  emitToFrame: number[] = [];
  /** Milliseconds from this page's own socket.emit to the frame that first draws it. */
  pageEmitToFrame: number[] = [];
  /** Milliseconds from a client.emit reaching the page to the frame that first draws it. */
  arrivalToFrame: number[] = [];
  frames = 0;
  /** Segments drawn as lost (stopped with a cross). */
  lost = 0;
  /** Hop segments spawned, and those skipped because the particle layer was full. */
  spawned = 0;
  /** The particle layer's recent segments (which line, when it starts): the order tests read it. */
  spawnLog: SpawnRecord[] = [];
  /** The lines a lost mark (✕) stands on right now, and until when it would stand by itself. */
  crosses: () => { edge: string; until: number }[] = () => [];

  /**
   * A client's emit was drawn for the first time, at `now` (the frame's clock): from the server's
   * stamp, from reaching the page (`arrived`), and from this page's own socket.emit (`sent`).
   */
  firstFrame(t: number, now: number, arrived?: number, sent?: number): void {
    this.add(this.emitToFrame, Date.now() - t);
    if (arrived !== undefined) this.add(this.arrivalToFrame, now - arrived);
    if (sent !== undefined) this.add(this.pageEmitToFrame, performance.now() - sent);
  }

  add(list: number[], ms: number): void {
    list.push(ms);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }
}
