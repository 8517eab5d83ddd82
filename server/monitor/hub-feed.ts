/**
 * The hub's side of the monitor. Batches of servers in this process arrive in-process (and so
 * keep coming while Redis is down); batches of servers elsewhere arrive through the monitor
 * channel. The hub is a source too (`hub`): it reports the clients' receipts and lab notices.
 * Its subscriber doubles as the lab's view of whether Redis is reachable.
 */
import type { Redis } from 'ioredis';
import { STEP_OF, type Envelope } from '../../trace/events.ts';
import { monitorPublisher, quitAll } from '../redis-clients.ts';
import { MonitorSink, type DraftEvent, type SamplingGroup } from './monitor-sink.ts';
import { sourceOf, subscribeMonitor } from './monitor-relay.ts';

export interface HubFeedOptions {
  url: string;
  channel: string;
  /** True for sources in this process, whose batches already arrived through `receive`. */
  isLocal: (source: string | undefined) => boolean;
  onEnvelope: (envelope: Envelope, json: string) => void;
  onRedisState: (state: 'up' | 'down') => void;
  /** Shared with the servers of this process, so the hub keeps the receipts of the same flows. */
  sampling: SamplingGroup;
}

export class HubFeed {
  readonly sink: MonitorSink;
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(o: HubFeedOptions) {
    this.pub = monitorPublisher(o.url, 'hub:monitor');
    const pub = this.pub;
    this.sink = new MonitorSink({
      source: 'hub',
      stepOf: (d) => STEP_OF[d.kind] ?? 8,
      local: o.onEnvelope,
      group: o.sampling,
      publish: (json) => pub.publish(o.channel, json),
    });
    // Batches of this process's own sources are skipped unparsed.
    this.sub = subscribeMonitor(o.url, o.channel, 'hub:monitor-sub', o.onEnvelope, (raw) =>
      o.isLocal(sourceOf(raw)),
    );
    this.sub.on('ready', () => o.onRedisState('up'));
    this.sub.on('close', () => o.onRedisState('down'));
  }

  emit(draft: DraftEvent): void {
    this.sink.emit(draft);
  }

  async close(): Promise<void> {
    this.sink.close();
    // Let the last batch go out before saying goodbye.
    await new Promise((r) => setTimeout(r, 30));
    await quitAll([this.pub, this.sub]);
  }
}
