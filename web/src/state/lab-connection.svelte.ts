/**
 * The page's link to the lab: the hub's /lab namespace (the lab's description, history, and
 * the place page clients report receipts) and the trace feed, from the hub or from a server's
 * /monitor relay, failing over when its source goes away.
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

/** After a feed switch, how long to wait before asking the hub for what was missed, and how much. */
const BACKFILL_DELAY_MS = 400;
const BACKFILL_EVENTS = 2000;

export interface ConnectionOptions {
  onEnvelope: (e: Envelope) => void;
  /** `snapshot`: the lab as it stood before `events` (the hub's hello; a backfill has none). */
  onHistory: (events: LabEvent[], snapshot?: LabState) => void;
  /** Where servers live: the page's host name, with each server's port. */
  host?: string;
}

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

  constructor(private readonly opts: ConnectionOptions) {
    this.host = opts.host ?? (typeof location !== 'undefined' ? location.hostname : '127.0.0.1');
  }

  get feedText(): string {
    if (!this.feed) return this.everConnected ? 'no feed: nothing reachable' : 'connecting…';
    return `${feedLabel(this.feed.source)} (${this.feed.reason})`;
  }

  connect(token?: string | null): void {
    const hub = io('/lab', {
      transports: ['websocket', 'polling'],
      auth: token ? { token } : {},
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    this.hub = hub;
    hub.on('connect', () => {
      this.hubConnected = true;
      this.everConnected = true;
      this.failed.delete('hub');
      this.rechoose();
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
      if (this.feed?.source.kind === 'hub') this.accept(raw);
    });
  }

  private accept(raw: unknown): void {
    try {
      this.opts.onEnvelope(parseEnvelope(raw));
      this.feedError = null;
    } catch (err) {
      this.feedError = (err as Error).message;
    }
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
      const res = await fetch(`/api/trace?limit=${BACKFILL_EVENTS}`);
      if (!res.ok) return;
      const body = (await res.json()) as { v: number; events: LabEvent[] };
      if (Array.isArray(body.events)) this.opts.onHistory(body.events);
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
  reportReceipt(r: {
    client: string;
    socketId: string;
    server: string;
    event: string;
    args: unknown[];
  }): void {
    this.hub?.emit('client.receive', r);
  }

  reportPageClients(
    list: {
      id: string;
      server: string;
      socketId?: string;
      rooms: string[];
      state: string;
      via?: string;
      transports?: string[];
    }[],
  ): void {
    this.hub?.emit('page.clients', list);
  }

  close(): void {
    this.feedSocket?.close();
    this.hub?.close();
  }
}
