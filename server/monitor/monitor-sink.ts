/**
 * Where one source (a server, or the hub) puts its events. It batches them (at most BATCH_MS,
 * 50 ms, or `maxBatch` events), keeps exact counters, and when detail can't keep up it switches to
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
import {
  BATCH_MS,
  DETAIL_PER_SECOND,
  DetailSampler,
  SAMPLE_ONE_IN,
  SAMPLED_BATCH_MS,
  type SamplingGroup,
} from '../../trace/sampling.ts';

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
  /** Detail events per second before sampling starts (trace/sampling.ts has the rule). */
  detailPerSecond?: number;
  /** Sampled, one flow in this many is kept; then one in its square, and so on. */
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

/** The flow an event belongs to; events about the lab itself (a connect, a join) have none. */
function flowOf(draft: DraftEvent): string | undefined {
  return 'flow' in draft ? draft.flow : undefined;
}

/** Sampled, batches wait this many times maxDelayMs (SAMPLED_BATCH_MS by default). */
const SAMPLED_DELAY_FACTOR = SAMPLED_BATCH_MS / BATCH_MS;

export class MonitorSink {
  readonly counts: Counts = { publishes: 0, receipts: {}, deliveries: 0, skipped: 0 };
  private seq = 0;
  private batch: LabEvent[] = [];
  private timer: { cancel(): void; immediate: boolean } | null = null;
  private lastFlush = 0;
  private countersTimer: NodeJS.Timeout;
  private countsChanged = false;
  /** Which flows' detail is kept: the monitor's sampling rule, shared with the simulated lab. */
  private readonly sampler: DetailSampler;
  private inFlight = 0;
  private closed = false;
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
      maxDelayMs: BATCH_MS,
      detailPerSecond: DETAIL_PER_SECOND,
      sampleOneIn: SAMPLE_ONE_IN,
      maxInFlight: 32,
      now: Date.now,
      ...options,
    };
    this.sampler = new DetailSampler({
      source: this.opts.source,
      detailPerSecond: this.opts.detailPerSecond,
      sampleOneIn: this.opts.sampleOneIn,
      maxInFlight: this.opts.maxInFlight,
      inFlight: () => this.inFlight,
      now: this.opts.now,
      group: options.group,
      onLevel: (level, oneIn, reason) =>
        this.record({
          kind: 'monitor.mode',
          mode: level > 0 ? 'sampled' : 'detail',
          oneIn,
          reason,
        }),
    });
    // A source that starts while its process samples says so in its first event.
    this.sampler.start();
    this.countersTimer = setInterval(() => {
      this.sampler.closeWindow();
      this.emitCounters();
    }, 1000);
    this.countersTimer.unref();
  }

  get source(): string {
    return this.opts.source;
  }

  get mode(): 'detail' | 'sampled' {
    return this.sampler.level > 0 ? 'sampled' : 'detail';
  }

  /** How many flows there are for each one whose detail is kept: 1 in full detail. */
  get oneIn(): number {
    return this.sampler.oneIn;
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

  /** True when detail for this flow would be sent now; callers skip building costly detail otherwise. */
  wantsDetail(flow?: string): boolean {
    return this.sampler.wantsDetail(flow);
  }

  /**
   * Offers one event of `flow`: it counts against the detail budget, and the answer says whether
   * its detail is kept. A caller whose event is costly to build asks first, then `record`s it;
   * an event not kept is counted as skipped.
   */
  offer(flow: string): boolean {
    if (this.closed) return false;
    if (this.sampler.offer(flow)) return true;
    this.counts.skipped++;
    this.countsChanged = true;
    return false;
  }

  /** Offers an event that carries a flow, then records it if kept; others are always recorded. */
  emit(draft: DraftEvent): void {
    const flow = flowOf(draft);
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
    else if (flowOf(draft) === undefined) {
      // A change to the lab itself (a server, a connection, a client, a room) goes out at once:
      // such events are few, and a page shows them as they happen. Batching is for the flows.
      if (!this.timer?.immediate) {
        this.timer?.cancel();
        this.timer = this.immediate();
      }
    } else if (!this.timer) this.timer = this.schedule();
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
   * under load batches go out every maxDelayMs (BATCH_MS). Sampled, they go out half as often:
   * nobody follows one message at that rate, and each batch costs a write to Redis and to
   * every viewer.
   */
  private schedule(): { cancel(): void; immediate: boolean } {
    const delay =
      this.sampler.level > 0 ? this.opts.maxDelayMs * SAMPLED_DELAY_FACTOR : this.opts.maxDelayMs;
    if (this.opts.now() - this.lastFlush >= delay) return this.immediate();
    const timeout = setTimeout(() => this.flush(), delay);
    return { cancel: () => clearTimeout(timeout), immediate: false };
  }

  /** Flushes once the current burst of work is done. */
  private immediate(): { cancel(): void; immediate: boolean } {
    const immediate = setImmediate(() => this.flush());
    return { cancel: () => clearImmediate(immediate), immediate: true };
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
    if (this.sampler.level > 0) envelope.sampled = true;
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
    this.sampler.close();
    clearInterval(this.countersTimer);
  }
}
