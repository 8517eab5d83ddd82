/**
 * The hub's side of the monitor. Batches of servers in this process arrive in-process (and so
 * keep coming while Redis is down); batches of servers elsewhere arrive through the monitor
 * channel. The hub is a source too (`hub`): it reports the clients' receipts and lab notices.
 * Its subscriber doubles as the lab's view of whether Redis is reachable.
 *
 * What arrives on the monitor channel and is not a batch of this lab is the hub's to report: a
 * `receive` by `hub` with the decision and the reason, a few a second at most (the counters
 * count every one). Another lab's batches are only noted (see lab-census.ts).
 */
import type { Redis } from 'ioredis';
import { defaultStep, type Envelope } from '../../trace/events.ts';
import { labConnectionName, monitorPublisher, quitAll } from '../redis-clients.ts';
import { TokenBucket } from '../rate-limit.ts';
import { MonitorSink, type DraftEvent } from './monitor-sink.ts';
import type { SamplingGroup } from '../../trace/sampling.ts';
import { subscribeMonitor, type NotABatch } from './monitor-relay.ts';
import { hexPreview } from './decode.ts';

export interface HubFeedOptions {
  url: string;
  channel: string;
  /** This lab's id: only its batches are shown. */
  lab: string;
  /** True for sources in this process, whose batches already arrived through `receive`. */
  isLocal: (source: string | undefined) => boolean;
  onEnvelope: (envelope: Envelope, json: string) => void;
  onRedisState: (state: 'up' | 'down') => void;
  /** A batch of another lab arrived on the monitor channel. */
  onOtherLab?: (lab: string, from: string) => void;
  /** Shared with the servers of this process, so the hub keeps the receipts of the same flows. */
  sampling: SamplingGroup;
}

export class HubFeed {
  readonly sink: MonitorSink;
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Junk on the monitor channel is reported at this rate at most; the counters count it all. */
  private readonly junkReports = new TokenBucket(5, 20);

  constructor(private readonly o: HubFeedOptions) {
    this.pub = monitorPublisher(o.url, labConnectionName('hub:monitor', o.lab));
    const pub = this.pub;
    this.sink = new MonitorSink({
      source: 'hub',
      lab: o.lab,
      stepOf: defaultStep,
      local: o.onEnvelope,
      group: o.sampling,
      publish: (json) => pub.publish(o.channel, json),
    });
    // Batches of this process's own sources are skipped unparsed.
    this.sub = subscribeMonitor({
      url: o.url,
      channel: o.channel,
      name: 'hub:monitor-sub',
      lab: o.lab,
      onEnvelope: o.onEnvelope,
      skip: (from) => o.isLocal(from),
      onOtherLab: o.onOtherLab,
      onJunk: (message, what) => this.junk(message, what),
    });
    this.sub.on('ready', () => o.onRedisState('up'));
    this.sub.on('close', () => o.onRedisState('down'));
  }

  /** The connection the hub publishes with; the census asks Redis its questions on it. */
  get publisher(): Redis {
    return this.pub;
  }

  emit(draft: DraftEvent): void {
    this.sink.emit(draft);
  }

  private junk(message: Buffer, what: NotABatch): void {
    this.sink.countReceipt(what.decision);
    if (!this.junkReports.take()) return;
    this.sink.record({
      kind: 'receive',
      channel: this.o.channel,
      via: 'message',
      bytes: message.length,
      decision: what.decision,
      reason: what.reason,
      hex: hexPreview(message),
    });
  }

  async close(): Promise<void> {
    // Closing is not Redis going away: the lab must not hear of it as such.
    this.sub.removeAllListeners('close');
    this.sub.removeAllListeners('ready');
    this.sink.close();
    // Let the last batch go out before saying goodbye.
    await new Promise((r) => setTimeout(r, 30));
    await quitAll([this.pub, this.sub]);
  }
}
