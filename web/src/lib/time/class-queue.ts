/**
 * Class pace: live messages played one at a time, hop by hop, slow enough for a class to read,
 * while the messages that arrive meanwhile wait their turn. A message's hops are played in
 * causal order, and hops of the same kind and place (the copies Redis hands to each server, the
 * clients' receipts) play together as one beat. Pure: the player gives it the time.
 */
import type { LabEvent } from '../../../../trace/events.ts';
import { causalRank } from '../../../../trace/causal-order.ts';

export interface Beat {
  flow: string;
  events: LabEvent[];
}

interface Episode {
  flow: string;
  pending: LabEvent[];
  played: number;
  /** When its last hop arrived: it may still be waiting for more (late receipts). */
  lastArrival: number;
}

/** Messages that wait beyond this are dropped from the queue, oldest first (they stay recorded). */
export const QUEUE_CAP = 100;
/** How long a message that played all its hops waits for late ones before the next starts. */
export const GRACE_MS = 1200;

export class ClassQueue {
  private episodes: Episode[] = [];
  /** Messages already played: their late hops are recorded but not replayed. */
  private finished = new Set<string>();
  /** Messages dropped because the queue was full. */
  dropped = 0;

  /** Adds a hop of a message; false when it is not one (it plays in real time). */
  add(e: LabEvent, now: number): boolean {
    if (!e.flow) return false;
    if (this.finished.has(e.flow)) return true;
    let ep = this.episodes.find((x) => x.flow === e.flow);
    if (!ep) {
      if (this.episodes.length >= QUEUE_CAP) {
        // Keep the one playing; let the oldest waiting go.
        const [gone] = this.episodes.splice(1, 1);
        if (gone) this.finish(gone.flow);
        this.dropped += 1;
      }
      ep = { flow: e.flow, pending: [], played: 0, lastArrival: now };
      this.episodes.push(ep);
    }
    ep.lastArrival = now;
    // In causal order; a later arrival of the same place goes after those already there.
    const rank = causalRank(e);
    const at = ep.pending.findIndex((x) => causalRank(x) > rank);
    if (at === -1) ep.pending.push(e);
    else ep.pending.splice(at, 0, e);
    return true;
  }

  /** Messages waiting behind the one playing. */
  get waiting(): number {
    return Math.max(0, this.episodes.length - 1);
  }

  /** The message playing (or about to). */
  get current(): string | null {
    return this.episodes[0]?.flow ?? null;
  }

  /** The next beat, `wait` while the playing message may still get hops, or null when idle. */
  next(now: number): Beat | 'wait' | null {
    for (;;) {
      const ep = this.episodes[0];
      if (!ep) return null;
      if (ep.pending.length) {
        const first = ep.pending[0];
        const rank = causalRank(first);
        // Hops of another kind at the same rank, or the story's emit and PUBLISH, stand alone.
        const together =
          first.kind === 'client.emit' || first.kind === 'publish'
            ? 1
            : ep.pending.findIndex((x) => causalRank(x) !== rank || x.kind !== first.kind);
        const events = ep.pending.splice(0, together === -1 ? ep.pending.length : together);
        ep.played += events.length;
        return { flow: ep.flow, events };
      }
      if (now - ep.lastArrival < GRACE_MS) return 'wait';
      this.episodes.shift();
      this.finish(ep.flow);
    }
  }

  /** Skip to now: everything waiting is let go. */
  clear(): void {
    for (const ep of this.episodes) this.finish(ep.flow);
    this.episodes = [];
  }

  private finish(flow: string): void {
    this.finished.add(flow);
    if (this.finished.size > 4 * QUEUE_CAP) {
      const keep = [...this.finished].slice(-2 * QUEUE_CAP);
      this.finished = new Set(keep);
    }
  }
}
