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
import { TokenBucket } from '../rate-limit.ts';

/** An event before the sink stamps it. */
export type DraftEvent = LabEvent extends infer E
  ? E extends LabEvent
    ? Omit<E, 'seq' | 't' | 'server' | 'step'> & { t?: number; server?: string; step?: Step }
    : never
  : never;

export interface SinkOptions {
  source: string;
  /** The step to use when an event doesn't say; usually from STEP_OF. */
  stepOf: (event: DraftEvent) => Step;
  /** Publishes a batch on the monitor channel; resolves or rejects when Redis answers. */
  publish?: (json: string) => Promise<unknown>;
  /** In-process delivery (the hub of the same process), which keeps working while Redis is down. */
  local?: (envelope: Envelope) => void;
  maxBatch?: number;
  maxDelayMs?: number;
  /** Detail events per second before sampling starts. */
  detailPerSecond?: number;
  /** In sampled mode, one flow in this many is kept. */
  sampleOneIn?: number;
  /** Batches waiting for Redis before more are dropped from Redis (never from counters). */
  maxInFlight?: number;
}

export interface Counts {
  publishes: number;
  receipts: Partial<Record<Decision, number>>;
  deliveries: number;
  skipped: number;
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
  private sampled = false;
  private inFlight = 0;
  private closed = false;
  private readonly budget: TokenBucket;
  private readonly opts: Required<Omit<SinkOptions, 'publish' | 'local'>> &
    Pick<SinkOptions, 'publish' | 'local'>;
  /** Batches that could not be published to Redis (they still reached local viewers). */
  unpublished = 0;

  constructor(options: SinkOptions) {
    this.opts = {
      maxBatch: 256,
      maxDelayMs: 20,
      detailPerSecond: 1500,
      sampleOneIn: 10,
      maxInFlight: 32,
      ...options,
    };
    this.budget = new TokenBucket(this.opts.detailPerSecond, this.opts.detailPerSecond);
    this.countersTimer = setInterval(() => this.emitCounters(), 1000);
    this.countersTimer.unref();
  }

  get mode(): 'detail' | 'sampled' {
    return this.sampled ? 'sampled' : 'detail';
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
    if (!this.sampled || !flow) return true;
    return flowBucket(flow) % this.opts.sampleOneIn === 0;
  }

  emit(draft: DraftEvent): void {
    if (this.closed) return;
    const flow = (draft as { flow?: string }).flow;
    if (flow) {
      this.updateMode();
      if (!this.wantsDetail(flow)) {
        this.counts.skipped++;
        this.countsChanged = true;
        return;
      }
    }
    this.push(draft);
  }

  private push(draft: DraftEvent): void {
    const event = {
      ...draft,
      seq: ++this.seq,
      t: draft.t ?? Date.now(),
      server: draft.server ?? this.opts.source,
      step: draft.step ?? this.opts.stepOf(draft),
    } as LabEvent;
    this.batch.push(event);
    if (this.batch.length >= this.opts.maxBatch) this.flush();
    else if (!this.timer) this.timer = this.schedule();
  }

  /** Spends one detail token per flow event; an empty budget (or a Redis backlog) means sampled. */
  private updateMode(): void {
    const overBudget = !this.budget.take();
    const backlog = this.inFlight >= this.opts.maxInFlight;
    const shouldSample = overBudget || backlog;
    if (shouldSample === this.sampled) return;
    this.sampled = shouldSample;
    this.push({
      kind: 'monitor.mode',
      mode: this.mode,
      reason: shouldSample
        ? backlog
          ? 'Redis is not keeping up with the monitor: sending one flow in ' + this.opts.sampleOneIn
          : `over ${this.opts.detailPerSecond} events/s: sending one flow in ${this.opts.sampleOneIn}`
        : 'load is back under the limit: full detail again',
    });
  }

  private emitCounters(): void {
    if (!this.countsChanged) return;
    this.countsChanged = false;
    this.push({
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
   * under load batches go out every maxDelayMs.
   */
  private schedule(): { cancel(): void } {
    if (Date.now() - this.lastFlush >= this.opts.maxDelayMs) {
      const immediate = setImmediate(() => this.flush());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(() => this.flush(), this.opts.maxDelayMs);
    return { cancel: () => clearTimeout(timeout) };
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    this.lastFlush = Date.now();
    if (this.batch.length === 0) return;
    const envelope: Envelope = { v: TRACE_VERSION, from: this.opts.source, events: this.batch };
    if (this.sampled) envelope.sampled = true;
    this.batch = [];
    this.opts.local?.(envelope);
    if (!this.opts.publish) return;
    if (this.inFlight >= this.opts.maxInFlight) {
      this.unpublished++;
      return;
    }
    this.inFlight++;
    this.opts
      .publish(JSON.stringify(envelope))
      .catch(() => this.unpublished++)
      .finally(() => this.inFlight--);
  }

  /** Sends the last counters and whatever is batched, then stops. */
  close(): void {
    if (this.closed) return;
    this.emitCounters();
    this.flush();
    this.closed = true;
    clearInterval(this.countersTimer);
  }
}
