/**
 * The monitor's sampling rule, the one place it lives: when one source's flow events pass its
 * detail budget, whole flows are kept or left out together (by a hash of the flow id), one in
 * `sampleOneIn`, then one in its square, and so on. The monitor sink (server/monitor/monitor-sink.ts)
 * and the simulated lab (trace/sim/lab-script.ts, which the page's synthetic feed runs) both sample
 * with it. Pure: the clock and the backlog are handed in.
 */

/**
 * In full detail a source sends a batch at most this often (ms), and at once after a quiet spell
 * this long, so one message in a quiet lab is seen at once; an event that changes the lab
 * itself (no flow: a connect, a join, a server up) goes out at once too. Each batch costs the source's process
 * a JSON encoding, a PUBLISH, Redis's copy back to the hub and a write to every viewer; at 20 ms
 * a steady 50 broadcasts/s made a batch of every broadcast on every server, and the batch of the
 * sending server went out between its PUBLISH and the other servers' receipt of it (issue 15).
 */
export const BATCH_MS = 50;
/** Sampled, batches go out this often: nobody follows one message at that rate. */
export const SAMPLED_BATCH_MS = 100;

/** Detail events a second a source sends before sampling starts. */
export const DETAIL_PER_SECOND = 600;
/** Sampled, one flow in this many is kept (then one in its square, and so on). */
export const SAMPLE_ONE_IN = 10;
/** How often the detail budget is checked; the level changes at most once per window. */
const WINDOW_MS = 250;
/**
 * A level holds at least this long before it steps down, and the load must have allowed the
 * lower level all that time: a load that wavers around a limit changes the level about once a
 * second at most, instead of every window (each change is a monitor.mode event from every source).
 */
const CALM_MS = 1000;
/** One flow in sampleOneIn^3 (1 in 1000 by default) is as sparse as sampling gets. */
const MAX_LEVEL = 3;

export interface SamplerOptions {
  /** The source (a server, or the hub) whose load this sampler judges. */
  source: string;
  /** Detail events per second before sampling starts. */
  detailPerSecond?: number;
  /**
   * Sampled, one flow in this many is kept; if that is still over budget, one in its square,
   * and so on. Powers of one number nest: a flow kept at 1 in 100 is kept at 1 in 10 too, so a
   * flow a busy server keeps is whole on the quieter ones.
   */
  sampleOneIn?: number;
  /** Batches waiting for Redis past which detail steps down too; `inFlight` counts them. */
  maxInFlight?: number;
  inFlight?: () => number;
  now: () => number;
  /** Samplers that sample together (the servers and hub of one process); a group of its own if absent. */
  group?: SamplingGroup;
  /** The level this source uses changed: it says so (a `monitor.mode` event). */
  onLevel: (level: number, oneIn: number, reason: string) => void;
}

/**
 * The samplers of one process (its servers and the hub) sample together: each works out the
 * level its own load needs, and all of them use the highest. Flows are kept by id, so the servers
 * of a process then keep exactly the same flows, and a kept flow reads whole from the client's
 * emit to the last receipt, instead of whole only on the busiest server's quieter peers.
 */
export class SamplingGroup {
  private readonly members = new Set<DetailSampler>();
  private readonly wanted = new Map<DetailSampler, number>();
  level = 0;

  join(sampler: DetailSampler): void {
    this.members.add(sampler);
  }

  leave(sampler: DetailSampler): void {
    this.members.delete(sampler);
    this.want(sampler, 0, 'a source stopped');
  }

  /** `sampler`'s own load needs `level`; every member hears of a change of the group's level. */
  want(sampler: DetailSampler, level: number, reason: string): void {
    if (level === 0) this.wanted.delete(sampler);
    else this.wanted.set(sampler, level);
    const next = Math.max(0, ...this.wanted.values());
    if (next === this.level) return;
    this.level = next;
    const leader = [...this.wanted].find(([, l]) => l === next)?.[0];
    for (const member of this.members) {
      const why =
        member === sampler || next === 0
          ? reason
          : `${leader?.source ?? sampler.source} is over its budget and the sources of one process keep the same flows`;
      member.useLevel(next, why);
    }
  }
}

function flowBucket(flow: string): number {
  let h = 0;
  for (let i = 0; i < flow.length; i++) h = (h * 31 + flow.charCodeAt(i)) | 0;
  return Math.abs(h);
}

/** One source's side of the rule: offered flow events, the level its load needs, the flows it keeps. */
export class DetailSampler {
  /** 0 for full detail; at level k one flow in sampleOneIn^k is kept. The group's level. */
  level = 0;
  /** The level this source's own load needs. */
  private ownLevel = 0;
  /** sampleOneIn ** level. */
  private keepOneIn = 1;
  private hashedFlow: string | undefined;
  private hashedBucket = 0;
  /** Flow events offered since windowStart, and how many of them were kept. */
  private windowEvents = 0;
  private windowKept = 0;
  private windowStart: number;
  /** When this source's level last changed, and since when the load has allowed one lower. */
  private changedAt = 0;
  private calmSince: number | null = null;
  private closed = false;
  private readonly group: SamplingGroup;
  private readonly budget: number;
  private readonly base: number;
  private readonly maxInFlight: number;
  private readonly inFlight: () => number;

  constructor(private readonly opts: SamplerOptions) {
    this.budget = opts.detailPerSecond ?? DETAIL_PER_SECOND;
    this.base = opts.sampleOneIn ?? SAMPLE_ONE_IN;
    this.maxInFlight = opts.maxInFlight ?? Infinity;
    this.inFlight = opts.inFlight ?? (() => 0);
    this.windowStart = opts.now();
    this.group = opts.group ?? new SamplingGroup();
    this.group.join(this);
  }

  get source(): string {
    return this.opts.source;
  }

  /** How many flows there are for each one whose detail is kept: 1 in full detail. */
  get oneIn(): number {
    return this.keepOneIn;
  }

  /** Takes up the group's level (a source that starts while its process samples says so). */
  start(): void {
    this.useLevel(this.group.level, 'the sources of one process keep the same flows');
  }

  /**
   * True when detail for this flow would be kept now; callers skip building costly detail
   * otherwise. A flow's events come in a row (emit, publish, receipt, delivery), so the last
   * flow's hash is kept rather than computed for each.
   */
  wantsDetail(flow?: string): boolean {
    if (this.level === 0 || !flow) return true;
    if (flow !== this.hashedFlow) {
      this.hashedFlow = flow;
      this.hashedBucket = flowBucket(flow);
    }
    return this.hashedBucket % this.keepOneIn === 0;
  }

  /** Offers one event of `flow`: it counts against the budget, and the answer says whether it is kept. */
  offer(flow: string): boolean {
    this.updateLevel();
    if (!this.wantsDetail(flow)) return false;
    this.windowKept++;
    return true;
  }

  /**
   * Sampling goes one level up as soon as a window's kept events pass the budget (or Redis falls
   * behind), and one level down only after a whole window in which the level below would have
   * stayed under half the budget: a load near a limit must not flip the level back and forth,
   * which would cost more than the detail it saves.
   */
  private updateLevel(): void {
    this.closeWindow();
    this.windowEvents++;
    // Kept events are counted at the group's level, which is never below this source's own.
    if (this.level >= MAX_LEVEL) return;
    if (this.windowKept > (this.budget * WINDOW_MS) / 1000) {
      const elapsed = Math.max(this.opts.now() - this.windowStart, 1);
      this.setLevel(this.level + 1, (this.windowEvents * 1000) / elapsed);
    } else if (this.inFlight() >= this.maxInFlight && this.windowKept > 0) {
      // Once per window at most: windowKept restarts from 0 at the new level.
      this.setLevel(this.level + 1, undefined);
    }
  }

  /**
   * Ends the window once it is WINDOW_MS old. The level steps down one once the load has allowed
   * the level below for CALM_MS and the level has held that long. Runs on every offer and should
   * run on a steady tick too (the sink's 1 s counters), so the level comes back down after a burst
   * even if nothing follows it: the next message after a flood is shown in full.
   */
  closeWindow(): void {
    const now = this.opts.now();
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_MS) return;
    const perSecond = (this.windowEvents * 1000) / elapsed;
    const calmAt = (level: number) =>
      perSecond / this.base ** level < this.budget / 2 && this.inFlight() < this.maxInFlight / 2;
    const calm = this.ownLevel > 0 && calmAt(this.ownLevel - 1);
    if (!calm) this.calmSince = null;
    else this.calmSince ??= this.windowStart;
    if (calm && now - Math.max(this.calmSince!, this.changedAt) >= CALM_MS) {
      // Straight down to the level the load allows (full detail after a flood), in one change.
      let level = this.ownLevel - 1;
      while (level > 0 && calmAt(level - 1)) level--;
      this.setLevel(level, perSecond);
    }
    this.windowStart = now;
    this.windowEvents = 0;
    this.windowKept = 0;
  }

  /**
   * The level this source's own load needs; the group decides the level used.
   * `perSecond`: the flow events offered, as measured; undefined when Redis is the reason.
   */
  private setLevel(level: number, perSecond: number | undefined): void {
    this.ownLevel = level;
    this.windowKept = 0;
    this.changedAt = this.opts.now();
    this.calmSince = null;
    const reason =
      perSecond === undefined
        ? 'Redis is not keeping up with the monitor'
        : level === 0
          ? 'load is back under the limit'
          : `about ${Math.round(perSecond / 100) * 100} events/s, over ${this.budget}/s`;
    this.group.want(this, level, reason);
  }

  /** Called by the group when its level changes; `onLevel` says so. */
  useLevel(level: number, reason: string): void {
    if (level === this.level || this.closed) return;
    this.level = level;
    this.keepOneIn = this.base ** level;
    this.windowKept = 0;
    const keeping = level === 0 ? 'full detail again' : `sending one flow in ${this.keepOneIn}`;
    this.opts.onLevel(level, this.keepOneIn, `${reason}: ${keeping}`);
  }

  /** The source stopped: the group no longer waits on its load. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.group.leave(this);
  }
}
