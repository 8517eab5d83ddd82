/**
 * Where one source (a server, or the hub) puts its events. It batches them (at most 20 ms or
 * `maxBatch` events), keeps exact counters, and when detail can't keep up it switches to
 * sampled detail: whole flows are kept or left out together, so a sampled flow still reads
 * from emit to receipt. Nothing here is unbounded.
 */
import {
  TRACE_VERSION,
  type Decision,
  type Envelope,
  type LabEvent,
  type Step,
} from '../../trace/events.ts';

/** An event before the sink stamps it. */
export type DraftEvent = LabEvent extends infer E
  ? E extends LabEvent
    ? Omit<E, 'seq' | 't' | 'server' | 'step'> & { t?: number; server?: string; step?: Step }
    : never
  : never;

export interface SinkOptions {
  source: string;
  /** The lab the source belongs to: every batch says so (Envelope.lab). */
  lab?: string;
  /** The step to use when an event doesn't say; usually trace/events.ts defaultStep. */
  stepOf: (event: DraftEvent) => Step;
  /** Publishes a batch on the monitor channel; resolves or rejects when Redis answers. */
  publish?: (json: string) => Promise<unknown>;
  /**
   * In-process delivery (the hub of the same process), which keeps working while Redis is down.
   * It gets the batch's JSON too, the text published to Redis, so viewers needn't encode it again.
   */
  local?: (envelope: Envelope, json: string) => void;
  maxBatch?: number;
  maxDelayMs?: number;
  /** Detail events per second before sampling starts. */
  detailPerSecond?: number;
  /**
   * Sampled, one flow in this many is kept; if that is still over budget, one in its square,
   * and so on. Powers of one number nest: a flow kept at 1 in 100 is kept at 1 in 10 too, so a
   * flow a busy server keeps is whole on the quieter ones.
   */
  sampleOneIn?: number;
  /** Batches waiting for Redis before more are dropped from Redis (never from counters). */
  maxInFlight?: number;
  /** The clock, for tests. */
  now?: () => number;
  /** Sinks that sample together (the servers and hub of one process); a group of its own if absent. */
  group?: SamplingGroup;
}

export interface Counts {
  publishes: number;
  receipts: Partial<Record<Decision, number>>;
  deliveries: number;
  skipped: number;
}

/** How often the detail budget is checked; the mode changes at most once per window. */
const WINDOW_MS = 250;
/**
 * A level holds at least this long before it steps down, and the load must have allowed the
 * lower level all that time: a load that wavers around a limit changes the level about once a
 * second at most, instead of every window (each change is a monitor.mode event from every source).
 */
const CALM_MS = 1000;
/** Sampled, batches wait this many times maxDelayMs (100 ms by default). */
const SAMPLED_DELAY_FACTOR = 5;
/** One flow in sampleOneIn^3 (1 in 1000 by default) is as sparse as sampling gets. */
const MAX_LEVEL = 3;

/**
 * The sinks of one process (its servers and the hub) sample together: each works out the level
 * its own load needs, and all of them use the highest. Flows are kept by id, so the servers of a
 * process then keep exactly the same flows, and a kept flow reads whole from the client's emit
 * to the last receipt, instead of whole only on the busiest server's quieter peers.
 */
export class SamplingGroup {
  private readonly members = new Set<MonitorSink>();
  private readonly wanted = new Map<MonitorSink, number>();
  level = 0;

  join(sink: MonitorSink): void {
    this.members.add(sink);
  }

  leave(sink: MonitorSink): void {
    this.members.delete(sink);
    this.want(sink, 0, 'a source stopped');
  }

  /** `sink`'s own load needs `level`; every member hears of a change of the group's level. */
  want(sink: MonitorSink, level: number, reason: string): void {
    if (level === 0) this.wanted.delete(sink);
    else this.wanted.set(sink, level);
    const next = Math.max(0, ...this.wanted.values());
    if (next === this.level) return;
    this.level = next;
    const leader = [...this.wanted].find(([, l]) => l === next)?.[0];
    for (const member of this.members) {
      const why =
        member === sink || next === 0
          ? reason
          : `${leader?.source ?? sink.source} is over its budget and the sources of one process keep the same flows`;
      member.useLevel(next, why);
    }
  }
}

function flowBucket(flow: string): number {
  let h = 0;
  for (let i = 0; i < flow.length; i++) h = (h * 31 + flow.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export class MonitorSink {
  readonly counts: Counts = { publishes: 0, receipts: {}, deliveries: 0, skipped: 0 };
  private seq = 0;
  private batch: LabEvent[] = [];
  private timer: { cancel(): void } | null = null;
  private lastFlush = 0;
  private countersTimer: NodeJS.Timeout;
  private countsChanged = false;
  /** 0 for full detail; at level k one flow in sampleOneIn^k is kept. The group's level. */
  private level = 0;
  /** The level this source's own load needs. */
  private ownLevel = 0;
  /** sampleOneIn ** level. */
  private keepOneIn = 1;
  private hashedFlow: string | undefined;
  private hashedBucket = 0;
  private readonly group: SamplingGroup;
  private inFlight = 0;
  private closed = false;
  /** Flow events offered since windowStart, and how many of them were kept. */
  private windowEvents = 0;
  private windowKept = 0;
  private windowStart: number;
  /** When this source's level last changed, and since when the load has allowed one lower. */
  private changedAt = 0;
  private calmSince: number | null = null;
  private readonly opts: Required<Omit<SinkOptions, 'publish' | 'local' | 'group' | 'lab'>> &
    Pick<SinkOptions, 'publish' | 'local' | 'lab'>;
  /** Batches that could not be published to Redis (they still reached local viewers). */
  unpublished = 0;
  /** Events recorded with `hold` whose last fields are not in yet: the batch waits for them. */
  private held = 0;
  private flushDue = false;

  constructor(options: SinkOptions) {
    this.opts = {
      maxBatch: 256,
      maxDelayMs: 20,
      detailPerSecond: 600,
      sampleOneIn: 10,
      maxInFlight: 32,
      now: Date.now,
      ...options,
    };
    this.group = options.group ?? new SamplingGroup();
    this.group.join(this);
    // A source that starts while its process samples says so in its first event.
    this.useLevel(this.group.level, 'the sources of one process keep the same flows');
    this.windowStart = this.opts.now();
    this.countersTimer = setInterval(() => {
      this.closeWindow();
      this.emitCounters();
    }, 1000);
    this.countersTimer.unref();
  }

  get source(): string {
    return this.opts.source;
  }

  get mode(): 'detail' | 'sampled' {
    return this.level > 0 ? 'sampled' : 'detail';
  }

  /** How many flows there are for each one whose detail is kept: 1 in full detail. */
  get oneIn(): number {
    return this.keepOneIn;
  }

  count(kind: 'publish' | 'delivery', n = 1): void {
    if (kind === 'publish') this.counts.publishes += n;
    else this.counts.deliveries += n;
    this.countsChanged = true;
  }

  countReceipt(decision: Decision): void {
    this.counts.receipts[decision] = (this.counts.receipts[decision] ?? 0) + 1;
    this.countsChanged = true;
  }

  /**
   * True when detail for this flow would be sent now; callers skip building costly detail
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

  /**
   * Offers one event of `flow`: it counts against the detail budget, and the answer says whether
   * its detail is kept. A caller whose event is costly to build asks first, then `record`s it;
   * an event not kept is counted as skipped.
   */
  offer(flow: string): boolean {
    if (this.closed) return false;
    this.updateMode();
    if (this.wantsDetail(flow)) {
      this.windowKept++;
      return true;
    }
    this.counts.skipped++;
    this.countsChanged = true;
    return false;
  }

  /** Offers an event that carries a flow, then records it if kept; others are always recorded. */
  emit(draft: DraftEvent): void {
    const flow = (draft as { flow?: string }).flow;
    if (flow && !this.offer(flow)) return;
    this.record(draft);
  }

  /**
   * Adds an event to the batch as it is, for one already offered (or one that has no flow).
   * The draft becomes the event: callers build a fresh one each time, so it is stamped in place.
   */
  record(draft: DraftEvent): void {
    if (this.closed) return;
    const event = draft as DraftEvent & Pick<LabEvent, 'seq' | 't' | 'server' | 'step'>;
    event.seq = ++this.seq;
    event.t ??= this.opts.now();
    event.server ??= this.opts.source;
    event.step ??= this.opts.stepOf(draft);
    this.batch.push(event as LabEvent);
    if (this.batch.length >= this.opts.maxBatch) this.flush();
    else if (!this.timer) this.timer = this.schedule();
  }

  /**
   * Records an event whose outcome is known only a microtask later (a request the adapter handles
   * in an async method): the caller fills its fields in place, then calls `release`. Until then
   * the batch is not sent, so the event keeps its place in the order and goes out complete.
   */
  hold(draft: DraftEvent): LabEvent {
    this.held++;
    this.record(draft);
    return draft as LabEvent;
  }

  release(): void {
    if (this.held === 0) return;
    this.held--;
    if (this.held === 0 && this.flushDue) {
      this.flushDue = false;
      this.flush();
    }
  }

  /**
   * Sampling goes one level up as soon as a window's kept events pass the budget (or Redis falls
   * behind), and one level down only after a whole window in which the level below would have
   * stayed under half the budget: a load near a limit must not flip the level back and forth,
   * which would cost more than the detail it saves.
   */
  private updateMode(): void {
    this.closeWindow();
    this.windowEvents++;
    // Kept events are counted at the group's level, which is never below this source's own.
    if (this.level >= MAX_LEVEL) return;
    const budget = this.opts.detailPerSecond;
    if (this.windowKept > (budget * WINDOW_MS) / 1000) {
      const elapsed = Math.max(this.opts.now() - this.windowStart, 1);
      this.setLevel(this.level + 1, (this.windowEvents * 1000) / elapsed);
    } else if (this.inFlight >= this.opts.maxInFlight && this.windowKept > 0) {
      // Once per window at most: windowKept restarts from 0 at the new level.
      this.setLevel(this.level + 1, undefined);
    }
  }

  /**
   * Ends the window once it is WINDOW_MS old. The level steps down one once the load has allowed
   * the level below for CALM_MS and the level has held that long. Runs on every offer and on the
   * counters' 1 s tick, so the level comes back down after a burst even if nothing follows it:
   * the next message after a flood is shown in full.
   */
  private closeWindow(): void {
    const now = this.opts.now();
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_MS) return;
    const perSecond = (this.windowEvents * 1000) / elapsed;
    const calmAt = (level: number) =>
      perSecond / this.opts.sampleOneIn ** level < this.opts.detailPerSecond / 2 &&
      this.inFlight < this.opts.maxInFlight / 2;
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
          : `about ${Math.round(perSecond / 100) * 100} events/s, over ${this.opts.detailPerSecond}/s`;
    this.group.want(this, level, reason);
  }

  /** Called by the group when its level changes; one `monitor.mode` event says so. */
  useLevel(level: number, reason: string): void {
    if (level === this.level || this.closed) return;
    this.level = level;
    this.keepOneIn = this.opts.sampleOneIn ** level;
    this.windowKept = 0;
    const keeping = level === 0 ? 'full detail again' : `sending one flow in ${this.oneIn}`;
    this.record({
      kind: 'monitor.mode',
      mode: this.mode,
      oneIn: this.oneIn,
      reason: `${reason}: ${keeping}`,
    });
  }

  private emitCounters(): void {
    if (!this.countsChanged) return;
    this.countsChanged = false;
    this.record({
      kind: 'counters',
      publishes: this.counts.publishes,
      receipts: { ...this.counts.receipts },
      deliveries: this.counts.deliveries,
      skipped: this.counts.skipped,
    });
  }

  /**
   * After a quiet spell the batch goes out as soon as the current burst of work is done (one
   * client event makes several events in the same tick), so a slow trickle is seen at once;
   * under load batches go out every maxDelayMs. Sampled, they go out five times less often:
   * nobody follows one message at that rate, and each batch costs a write to Redis and to
   * every viewer.
   */
  private schedule(): { cancel(): void } {
    const delay =
      this.level > 0 ? this.opts.maxDelayMs * SAMPLED_DELAY_FACTOR : this.opts.maxDelayMs;
    if (this.opts.now() - this.lastFlush >= delay) {
      const immediate = setImmediate(() => this.flush());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(() => this.flush(), delay);
    return { cancel: () => clearTimeout(timeout) };
  }

  flush(): void {
    if (this.held > 0) {
      this.flushDue = true;
      return;
    }
    this.timer?.cancel();
    this.timer = null;
    this.lastFlush = this.opts.now();
    if (this.batch.length === 0) return;
    // `v`, `lab` and `from` first: readers look at the start of the text to skip batches unparsed.
    const envelope: Envelope =
      this.opts.lab === undefined
        ? { v: TRACE_VERSION, from: this.opts.source, events: this.batch }
        : { v: TRACE_VERSION, lab: this.opts.lab, from: this.opts.source, events: this.batch };
    if (this.level > 0) envelope.sampled = true;
    this.batch = [];
    const json = JSON.stringify(envelope);
    this.opts.local?.(envelope, json);
    if (!this.opts.publish) return;
    if (this.inFlight >= this.opts.maxInFlight) {
      this.unpublished++;
      return;
    }
    this.inFlight++;
    this.opts
      .publish(json)
      .catch(() => this.unpublished++)
      .finally(() => this.inFlight--);
  }

  /** Sends the last counters and whatever is batched, then stops. */
  close(): void {
    if (this.closed) return;
    this.emitCounters();
    this.flush();
    this.closed = true;
    this.group.leave(this);
    clearInterval(this.countersTimer);
  }
}
