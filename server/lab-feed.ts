/**
 * What the lab tells: the hub's monitor feed (its notices and the clients' receipts), the taps of
 * the servers in this process (which report in-process, so they keep reporting while Redis is
 * down), the ring of recent events that pages get when they open, and whether Redis answers as
 * the hub's own connection sees it.
 */
import type { Envelope, LabEvent } from '../trace/events.ts';
import type { Receipt } from './lab-clients.ts';
import type { DraftEvent } from './monitor/monitor-sink.ts';
import { SamplingGroup } from '../trace/sampling.ts';
import { HubFeed } from './monitor/hub-feed.ts';
import { ServerTap } from './monitor/server-tap.ts';
import { LabTapState } from './monitor/lab-tap-state.ts';
import { BatchRing } from './batch-ring.ts';
import { StandingState } from './standing-state.ts';
import { jsonSafe } from './monitor/decode.ts';
import type { LabCensus } from './monitor/lab-census.ts';

/**
 * Events the hub keeps for GET /api/trace and pages that open later: enough to rebuild the
 * picture, bounded (and by HISTORY_BYTES of their text, batch-ring.ts).
 */
export const RING_SIZE = 20_000;

export type NoticeTopic = Extract<LabEvent, { kind: 'lab.notice' }>['topic'];

export interface LabFeedOptions {
  /** Asked whenever a connection is made: the lab may log in as another user by then. */
  redisUrl: () => string;
  /** The lab's id and channel key, for its taps and its batches. */
  lab: string;
  key: string;
  /** Hears of other labs: their batches on the monitor channel, their traffic on ours. */
  census: Pick<LabCensus, 'noteMonitor' | 'noteTraffic'>;
  monitorChannel: string;
  /** True for a source whose batches arrive in-process (a server of this lab). */
  isLocal: (source: string) => boolean;
  /** Events kept for GET /api/trace (RING_SIZE; tests make it small to see it roll over). */
  ringSize?: number;
  /** Events a page gets with the standing state when it opens (HISTORY_EVENTS). */
  historyEvents?: number;
  /** Every batch, from this process or through Redis. */
  onEnvelope: (envelope: Envelope, json: string) => void;
  /** Redis went down or came back, as the hub's connection sees it. */
  onRedisState: (state: 'up' | 'down') => void;
}

export class LabFeed {
  readonly ring: BatchRing;
  /** The lab as it stands, for pages that open late, whatever the ring still holds. */
  readonly standing: StandingState;
  redisState: 'up' | 'down' = 'up';
  private hub: HubFeed | null = null;
  /** The servers and the hub sample their detail together (see SamplingGroup). */
  private readonly sampling = new SamplingGroup();
  /** The flows and deliveries of this lab's taps, kept apart from any other lab's. */
  readonly tapState = new LabTapState();
  /**
   * Every server id this process made a tap for. A tap's first batches (its Redis connects) come
   * back through the monitor channel before the server is listed as the lab's, and were drawn
   * twice: a lesson counted 9 connections for 3 servers.
   */
  private readonly tapped = new Set<string>();

  constructor(private readonly options: LabFeedOptions) {
    this.ring = new BatchRing({ capacity: options.ringSize ?? RING_SIZE });
    this.standing = new StandingState(this.ring, options.historyEvents);
  }

  /** The hub's own feed: batches from this process arrive directly, others' through Redis. */
  start(): void {
    if (this.hub) return;
    this.hub = new HubFeed({
      url: this.options.redisUrl(),
      channel: this.options.monitorChannel,
      lab: this.options.lab,
      onOtherLab: (lab, from) => this.options.census.noteMonitor(lab, from),
      isLocal: (from) =>
        from === 'hub' || this.tapped.has(from ?? '') || this.options.isLocal(from ?? ''),
      onEnvelope: (e, json) => this.receive(e, json),
      onRedisState: (state) => this.setRedisState(state),
      sampling: this.sampling,
    });
  }

  get started(): boolean {
    return this.hub !== null;
  }

  /** The hub's connections log in again (the lab now runs as another Redis user). */
  async restart(): Promise<void> {
    const hub = this.hub;
    this.hub = null;
    await hub?.close();
    this.start();
  }

  /** The tap of one life of a server of this lab. */
  makeTap(id: string): ServerTap {
    this.tapped.add(id);
    return new ServerTap({
      id,
      lab: this.options.lab,
      key: this.options.key,
      redisUrl: this.options.redisUrl(),
      channel: this.options.monitorChannel,
      onOtherLab: (lab) => this.options.census.noteTraffic(lab),
      local: (e, json) => this.receive(e, json),
      sampling: this.sampling,
      state: this.tapState,
    });
  }

  setRedisState(state: 'up' | 'down'): void {
    if (this.redisState === state) return;
    this.redisState = state;
    this.notice(
      state === 'down' ? 'redis.down' : 'redis.up',
      state === 'down'
        ? 'Redis is unreachable: each server now delivers to its own clients only.'
        : 'Redis is back: the servers reconnect and re-subscribe, and broadcasts cross servers again.',
    );
    this.options.onRedisState(state);
  }

  notice(topic: NoticeTopic, text: string): void {
    this.emitHub({ kind: 'lab.notice', server: 'hub', step: 1, topic, text });
  }

  emitHub(draft: DraftEvent): void {
    this.hub?.emit(draft);
  }

  /** Step 10: a client, lab or page, got an event. */
  reportReceipt(r: Receipt): void {
    if (!this.hub) return;
    const flow = this.tapState.deliveries.take(r.socketId, r.event);
    // Offered, not only asked: a receipt left out still counts against the detail budget. Asked
    // only, the sink saw a tenth of the receipts at 1 in 10, judged the load calm, stepped down,
    // and stepped up again in the next window (issue 20: three changes a second).
    if (flow && !this.hub.sink.offer(flow)) return;
    this.hub.sink.record({
      kind: 'client.receive',
      server: r.server,
      socketId: r.socketId,
      client: r.client,
      // What a client got may be a stranger's forged packet of any size: the trace keeps a preview.
      event: r.event.slice(0, 64),
      args: r.args.slice(0, 5).map((a) => jsonSafe(a)),
      flow,
    });
  }

  async close(): Promise<void> {
    await this.hub?.close();
  }

  /** `json` is the batch as its source encoded it, for viewers to pass on as it is. */
  private receive(envelope: Envelope, json: string): void {
    // The ring keeps the text, not the objects (batch-ring.ts says why).
    if (this.ring.push(json, envelope.events.length)) this.standing.advance();
    else this.standing.foldIn(envelope.events);
    this.options.onEnvelope(envelope, json);
  }
}
