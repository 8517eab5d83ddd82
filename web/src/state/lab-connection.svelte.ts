/**
 * The page's link to the lab: its one socket to the hub's /lab namespace (the lab's description,
 * history and batches; it only reads), the trace feed, from the hub or from a server's /monitor
 * relay, failing over when its source goes away, and the page clients' reports, which go
 * through the control API like every other change (server/hub/page-reports.ts), naming the page
 * by that socket's id. The lessons panel listens to the same socket (`onHubBatch`).
 */
import { io, type Socket } from 'socket.io-client';
import { parseEnvelope, type Envelope, type LabEvent } from '../../../trace/events.ts';
import type { LabInfo } from '../../../trace/lab-info.ts';
import type { LabState } from '../../../trace/state.ts';
import { snapshotProblem } from '../../../trace/trace-file.ts';
import {
  chooseFeed,
  feedKey,
  feedLabel,
  type FeedChoice,
  type FeedPreference,
} from '../lib/feed/feed-failover.ts';
import { apiCalls, type PageClientReport, type PageReceipt } from '../../../trace/api-calls.ts';
import type { LabApi } from './lab-api.ts';

/** After a feed switch, how long to wait before asking the hub for what was missed, and how much. */
const BACKFILL_DELAY_MS = 400;
const BACKFILL_EVENTS = 2000;
/** Receipts are sent together, at most this many in one call, a little after the first. */
const RECEIPT_BATCH = 100;
const RECEIPT_DELAY_MS = 50;

export interface ConnectionOptions {
  onEnvelope: (e: Envelope) => void;
  /** `snapshot`: the lab as it stood before `events` (the hub's hello; a backfill has none). */
  onHistory: (events: LabEvent[], snapshot?: LabState) => void;
  /** Where servers live: the page's host name, with each server's port. */
  host?: string;
  /** The page's control API (its token may change), for the reports and the backfill. */
  api: () => LabApi;
}

/** Hears every batch the hub sends, whichever source feeds the stage. */
export type HubBatchListener = (envelope: Envelope) => void;

export class LabConnection {
  lab = $state.raw<LabInfo | null>(null);
  hubConnected = $state(false);
  /** True once the hub answered at least once: otherwise the page offers the static viewer. */
  everConnected = $state(false);
  feed = $state.raw<FeedChoice | null>(null);
  preference = $state<FeedPreference>('auto');
  feedError = $state<string | null>(null);

  private hub: Socket | null = null;
  private feedSocket: Socket | null = null;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  private failed = new Set<string>();
  private readonly host: string;
  /**
   * The page's name as a lesson's holder, on its /lab socket: when the socket goes, the hub lets
   * go of the lab the page's lesson held.
   */
  readonly holder = `page-${Math.random().toString(36).slice(2, 10)}`;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  private readonly hubListeners = new Set<HubBatchListener>();
  private pageClients: PageClientReport[] = [];
  private receipts: PageReceipt[] = [];
  private receiptTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ConnectionOptions) {
    this.host = opts.host ?? (typeof location !== 'undefined' ? location.hostname : '127.0.0.1');
  }

  get feedText(): string {
    if (!this.feed) return this.everConnected ? 'no feed: nothing reachable' : 'connecting…';
    return `${feedLabel(this.feed.source)} (${this.feed.reason})`;
  }

  /** The socket only reads, so it carries no token: the reports it names the page for do. */
  connect(): void {
    const hub = io('/lab', {
      transports: ['websocket', 'polling'],
      auth: { holder: this.holder },
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    this.hub = hub;
    hub.on('connect', () => {
      this.hubConnected = true;
      this.everConnected = true;
      this.failed.delete('hub');
      this.rechoose();
      // A new socket is a new page to the hub: its clients are listed again under its id.
      if (this.pageClients.length) this.sendPageClients();
    });
    hub.on('disconnect', () => {
      this.hubConnected = false;
      this.rechoose();
    });
    hub.on('connect_error', () => {
      this.hubConnected = false;
      this.rechoose();
    });
    hub.on('hello', (hello: { lab: LabInfo; events: LabEvent[]; snapshot?: unknown }) => {
      this.setLab(hello.lab);
      // A hub older than the snapshot (or a damaged one) still gives the recent events.
      const snapshot = snapshotProblem(hello.snapshot) ? undefined : (hello.snapshot as LabState);
      this.opts.onHistory(hello.events ?? [], snapshot);
    });
    hub.on('lab', (info: LabInfo) => this.setLab(info));
    hub.on('trace', (raw: unknown) => {
      const fromHub = this.feed?.source.kind === 'hub';
      if (!fromHub && this.hubListeners.size === 0) return;
      const envelope = this.parse(raw);
      if (!envelope) return;
      if (fromHub) this.opts.onEnvelope(envelope);
      for (const listener of this.hubListeners) listener(envelope);
    });
  }

  /** Every batch of the hub from now on, until the returned function is called. */
  onHubBatch(listener: HubBatchListener): () => void {
    this.hubListeners.add(listener);
    return () => this.hubListeners.delete(listener);
  }

  private parse(raw: unknown): Envelope | null {
    try {
      const envelope = parseEnvelope(raw);
      this.feedError = null;
      return envelope;
    } catch (err) {
      this.feedError = (err as Error).message;
      return null;
    }
  }

  private accept(raw: unknown): void {
    const envelope = this.parse(raw);
    if (envelope) this.opts.onEnvelope(envelope);
  }

  private setLab(info: LabInfo): void {
    this.lab = info;
    // A server that is up again may feed again.
    for (const s of info.servers) {
      if (s.state === 'up') this.failed.delete(s.id);
      else this.failed.add(s.id);
    }
    this.rechoose();
  }

  setPreference(pref: FeedPreference): void {
    this.preference = pref;
    this.failed.clear();
    this.rechoose(true);
  }

  private rechoose(force = false): void {
    const servers = this.lab?.servers ?? [];
    const choice = chooseFeed(this.preference, servers, this.failed, this.hubConnected);
    const same =
      choice && this.feed && feedKey(choice.source) === feedKey(this.feed.source) && !force;
    if (same) return;
    this.feedSocket?.close();
    this.feedSocket = null;
    const switched = this.feed !== null && choice !== null;
    this.feed = choice;
    if (choice?.source.kind === 'server') this.openServerFeed(choice.source.id, choice.source.port);
    // Events sent while the feed was switching were missed: the hub's ring has them. Duplicates
    // are dropped by the player.
    if (switched) setTimeout(() => void this.backfill(), BACKFILL_DELAY_MS);
  }

  private async backfill(): Promise<void> {
    try {
      const body = await this.opts.api().send(apiCalls.trace(BACKFILL_EVENTS));
      if (Array.isArray(body?.events)) this.opts.onHistory(body.events);
    } catch {
      // The hub is away too: nothing to fill the gap with.
    }
  }

  private openServerFeed(id: string, port: number): void {
    const socket = io(`${location.protocol}//${this.host}:${port}/monitor`, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 3000,
    });
    this.feedSocket = socket;
    const fail = () => {
      if (this.feedSocket !== socket) return;
      this.failed.add(id);
      this.rechoose();
    };
    socket.on('trace', (raw: unknown) => this.accept(raw));
    socket.on('disconnect', fail);
    socket.on('connect_error', fail);
  }

  /** A page client reports what it received, so step 10 shows for it too. */
  reportReceipt(r: PageReceipt): void {
    if (!this.hub?.connected) return;
    this.receipts.push(r);
    if (this.receipts.length >= RECEIPT_BATCH) this.sendReceipts();
    else this.receiptTimer ??= setTimeout(() => this.sendReceipts(), RECEIPT_DELAY_MS);
  }

  private sendReceipts(): void {
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.receiptTimer = null;
    const batch = this.receipts.splice(0, RECEIPT_BATCH);
    const page = this.hub?.id;
    if (!page || batch.length === 0) return;
    // Receipts are the trace's step 10, not the page's state: one refused (a flood past the
    // rate limit, a page without the token) is left out, as the monitor's sampling would.
    this.opts
      .api()
      .send(apiCalls.pageReceipts(page, batch))
      .catch(() => undefined);
  }

  reportPageClients(list: PageClientReport[]): void {
    this.pageClients = list;
    this.sendPageClients();
  }

  private sendPageClients(): void {
    const page = this.hub?.id;
    if (!page || !this.hub?.connected) return;
    // The list is sent whole each time, so a refused one is mended by the next.
    this.opts
      .api()
      .send(apiCalls.pageClients(page, this.pageClients))
      .catch(() => undefined);
  }

  close(): void {
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.feedSocket?.close();
    this.hub?.close();
  }
}
