/**
 * How many messages a phone missed while it was away, counted from the trace: the broadcasts the
 * lab's servers delivered (the monitor's `deliver` events) while the phone was disconnected, or
 * while its server was cut off from Redis and other servers delivered them without it.
 * Pure: it reads trace events and answers counts, so it is tested without a lab.
 */
import type { LabEvent } from '../../trace/events.ts';

/** The events a phone shows: the demo's chat, and messages to the rooms it joined. */
const COUNTED = new Set(['chat message', 'room message']);

/** Broadcasts remembered; at 50 a second, over six minutes. */
export const LOG_SIZE = 20_000;

export interface Gap {
  /** away: the phone had no connection; cut: it had one, but its server had no Redis. */
  kind: 'away' | 'cut';
  server: string;
  from: number;
  to: number;
}

export interface Missed {
  count: number;
  /** The monitor was sampling, so the count is an estimate (each kept flow stands for its 1 in N). */
  about: boolean;
  /** The gap began before the oldest broadcast still remembered: at least this many. */
  atLeast: boolean;
}

interface Broadcast {
  t: number;
  event: string;
  rooms: string[];
  servers: Set<string>;
  weight: number;
}

export class BroadcastLog {
  private readonly flows = new Map<string, Broadcast>();
  /** When the newest forgotten broadcast was first seen. */
  private forgotten = -Infinity;
  private readonly sampling = new Map<string, number>();

  constructor(private readonly max = LOG_SIZE) {}

  get size(): number {
    return this.flows.size;
  }

  see(e: LabEvent): void {
    if (e.kind === 'monitor.mode') {
      this.sampling.set(e.server, e.mode === 'sampled' ? (e.oneIn ?? 10) : 1);
      return;
    }
    if (e.kind !== 'deliver' || !e.flow || e.count === 0 || !COUNTED.has(e.event)) return;
    let flow = this.flows.get(e.flow);
    if (!flow) {
      const weight = Math.max(1, ...this.sampling.values());
      flow = { t: e.t, event: e.event, rooms: e.rooms, servers: new Set(), weight };
      this.flows.set(e.flow, flow);
      if (this.flows.size > this.max) {
        const [oldest, entry] = this.flows.entries().next().value!;
        this.flows.delete(oldest);
        this.forgotten = Math.max(this.forgotten, entry.t);
      }
    }
    flow.servers.add(e.server);
  }

  /** What a phone in `rooms` missed over `gaps`. */
  missed(gaps: readonly Gap[], rooms: readonly string[]): Missed {
    const result: Missed = { count: 0, about: false, atLeast: false };
    if (gaps.length === 0) return result;
    result.atLeast = gaps.some((g) => g.from <= this.forgotten);
    for (const flow of this.flows.values()) {
      if (flow.event === 'room message' && !flow.rooms.some((r) => rooms.includes(r))) continue;
      const missedIt = gaps.some(
        (g) =>
          flow.t >= g.from && flow.t <= g.to && (g.kind === 'away' || !flow.servers.has(g.server)),
      );
      if (!missedIt) continue;
      result.count += flow.weight;
      if (flow.weight > 1) result.about = true;
    }
    return result;
  }
}

/**
 * One phone's time away, as segments: it may lose its connection and its server's Redis at
 * overlapping times. It is back when neither is open.
 */
export class Absence {
  readonly gaps: Gap[] = [];
  private readonly open = new Map<Gap['kind'], Gap>();

  start(kind: Gap['kind'], server: string, t: number): void {
    if (this.open.has(kind)) return;
    const gap: Gap = { kind, server, from: t, to: Infinity };
    this.open.set(kind, gap);
    this.gaps.push(gap);
  }

  end(kind: Gap['kind'], t: number): void {
    const gap = this.open.get(kind);
    if (!gap) return;
    gap.to = t;
    this.open.delete(kind);
  }

  get away(): boolean {
    return this.open.size > 0;
  }

  /** The gaps of a return (call it once back), which the next absence does not count again. */
  take(): Gap[] {
    return this.gaps.splice(0);
  }
}
