/**
 * The lab's roster: which servers are in the lab, whichever process runs them. The hub's own
 * servers live in its Lab; a standalone server (`npm run server`) runs in a process of its own,
 * maybe on another machine, and is in the lab because it shares the lab's Redis and monitor
 * channel. They find each other on a channel of their own beside the monitor channel
 * (`<monitor channel>:roster`), so neither the adapter's channels nor the trace carry any of it:
 * - `here`: a process names the servers it runs. A standalone server says it when it starts,
 *   every HEARTBEAT_MS after, and when asked; the hub says it when asked.
 * - `roll-call`: asks every process to say `here` (a hub that starts, a standalone server that
 *   checks its name is free).
 * - `leaving`: a standalone server that stops.
 * The hub lists a remote server until it leaves, or until it has been silent for SILENCE_MS while
 * the hub could hear it. Anything else on the channel is ignored: it is outside input.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  baseOptions,
  guardResubscribe,
  labConnectionName,
  quitAll,
  whenReady,
} from './redis-clients.ts';
import { settlesWithin } from './deadline.ts';
import type { LabInfo } from '../trace/lab-info.ts';
import { LAB_ID } from './lab-id.ts';

export const HEARTBEAT_MS = 2000;
export const SILENCE_MS = 3 * HEARTBEAT_MS;
/** A roll call waits at most this long for the processes that heard it. */
export const ROLL_CALL_MS = 1000;
const MAX_SERVERS_PER_MESSAGE = 20;
const MAX_MESSAGE_BYTES = 16 * 1024;
const SERVER_ID = /^[A-Za-z0-9_-]{1,32}$/;
const STATES = ['up', 'down', 'crashed'] as const;

export type RosterServer = Pick<LabInfo['servers'][number], 'id' | 'port' | 'state' | 'clients'>;
export interface RemoteServer extends RosterServer {
  /** The process that runs it (a random id per process). */
  from: string;
}

/** `lab`: the lab id the sender belongs to (absent from older labs' messages). */
type Message = { lab?: string } & (
  | { type: 'here'; from: string; servers: RosterServer[] }
  | { type: 'roll-call'; from: string }
  | { type: 'leaving'; from: string }
);

export type RosterChange = 'joined' | 'updated' | 'left' | 'silent';

export function rosterChannel(monitorChannel: string): string {
  return `${monitorChannel}:roster`;
}

function isServer(s: unknown): s is RosterServer {
  const { id, port, state, clients } = (s ?? {}) as Record<string, unknown>;
  return (
    typeof id === 'string' &&
    SERVER_ID.test(id) &&
    Number.isInteger(port) &&
    (port as number) > 0 &&
    (port as number) < 65536 &&
    STATES.includes(state as RosterServer['state']) &&
    Number.isInteger(clients) &&
    (clients as number) >= 0
  );
}

/** A roster message, or null for anything else (a stranger on the channel, a newer lab). */
export function parseRosterMessage(raw: string): Message | null {
  if (raw.length > MAX_MESSAGE_BYTES) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!m || m.v !== 1 || typeof m.from !== 'string' || m.from.length > 64) return null;
  const from = m.from;
  const lab = typeof m.lab === 'string' && LAB_ID.test(m.lab) ? { lab: m.lab } : {};
  if (m.type === 'roll-call' || m.type === 'leaving') return { type: m.type, from, ...lab };
  if (m.type !== 'here' || !Array.isArray(m.servers)) return null;
  const servers = m.servers.slice(0, MAX_SERVERS_PER_MESSAGE).filter(isServer);
  return {
    type: 'here',
    from,
    ...lab,
    servers: servers.map(({ id, port, state, clients }) => ({ id, port, state, clients })),
  };
}

export interface RosterOptions {
  url: string;
  monitorChannel: string;
  /** Names the connections: `<name>:roster` and `<name>:roster-sub`. */
  name: string;
  /**
   * The lab id (LabInfo.labId). Labs that share a Redis may share a monitor channel, and so a
   * roster channel: each lists only its own lab's servers.
   */
  lab?: string;
  /** The servers this process runs, as it lists them now. */
  own: () => RosterServer[];
  /** Standalone servers say `here` every HEARTBEAT_MS; the hub only answers. */
  heartbeat?: boolean;
  /** A remote server appeared, changed or went away (`silent`: not heard of for SILENCE_MS). */
  onChange?: (change: RosterChange, server: RemoteServer) => void;
  /** Another process says it runs a server whose name is taken here or by another process. */
  onClash?: (id: string) => void;
}

export class Roster {
  /** This process, among the roster's messages. */
  readonly self = randomBytes(6).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly remote = new Map<string, RemoteServer & { seen: number }>();
  private readonly timer: NodeJS.Timeout;
  private answers = new Set<string>();
  private onAnswer: (() => void) | null = null;
  /** Settles when Redis has confirmed the SUBSCRIBE (true) or refused it (false). */
  private readonly subscribed: Promise<boolean>;

  constructor(private readonly options: RosterOptions) {
    this.channel = rosterChannel(options.monitorChannel);
    this.pub = new Redis(options.url, {
      ...baseOptions(labConnectionName(`${options.name}:roster`, options.lab)),
      // Presence is only news now: a message that can't go out is dropped, not queued.
      enableOfflineQueue: false,
    });
    this.sub = new Redis(
      options.url,
      baseOptions(labConnectionName(`${options.name}:roster-sub`, options.lab)),
    );
    for (const c of [this.pub, this.sub]) c.on('error', () => undefined);
    // ioredis's own re-subscribe after an outage is awaited by nobody (redis-clients.ts).
    guardResubscribe(this.sub);
    this.subscribed = this.sub.subscribe(this.channel).then(
      () => true,
      () => false,
    );
    this.sub.on('message', (_channel: string, raw: string) => this.hear(raw));
    // Back from an outage: the silence was the outage's, not the servers'; ask who is there.
    let connectedBefore = false;
    this.sub.on('ready', () => {
      if (connectedBefore) {
        for (const r of this.remote.values()) r.seen = Date.now();
        void this.rollCall();
      }
      connectedBefore = true;
    });
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Resolves once the roster hears its channel, or after a while with Redis away. A ready
   * connection is not yet a subscribed one: a roll call made before Redis confirms the SUBSCRIBE
   * counts one listener too few, takes the answer it is owed for its own, and so finds nobody
   * (CI saw a standalone s1 start beside the lab's s1 that way).
   */
  async ready(): Promise<void> {
    const [, subReady] = await Promise.all([whenReady(this.pub), whenReady(this.sub)]);
    if (subReady) await settlesWithin(this.subscribed, 3000);
  }

  /** The servers other processes run, by id. */
  remotes(): RemoteServer[] {
    return [...this.remote.values()].map(({ seen: _seen, ...r }) => r);
  }

  remoteServer(id: string): RemoteServer | undefined {
    const r = this.remote.get(id);
    return r && { ...r };
  }

  /**
   * Asks every process to say `here`, and resolves once as many have answered as heard the call
   * (PUBLISH counts them, this process included), or after ROLL_CALL_MS. Nobody else: at once.
   */
  async rollCall(timeoutMs = ROLL_CALL_MS): Promise<RemoteServer[]> {
    this.answers = new Set();
    const heard = await this.send({ type: 'roll-call' });
    const others = heard - 1;
    if (others > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.onAnswer = () => {
          if (this.answers.size >= others) done();
        };
        // Answers can come in on the subscriber before PUBLISH's own reply on the publisher.
        this.onAnswer();
      });
      this.onAnswer = null;
    }
    return this.remotes();
  }

  /** Says which servers this process runs. */
  announce(): void {
    void this.send({ type: 'here', servers: this.options.own() });
  }

  /** Says goodbye (a standalone server that stops) and closes the roster's connections. */
  async leave(): Promise<void> {
    await this.send({ type: 'leaving' });
    await this.close();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await quitAll([this.pub, this.sub]);
  }

  /** Resolves with how many subscribers PUBLISH reached, 0 when it could not be sent. */
  private async send(message: Record<string, unknown>): Promise<number> {
    const lab = this.options.lab === undefined ? {} : { lab: this.options.lab };
    const text = JSON.stringify({ v: 1, ...lab, from: this.self, ...message });
    try {
      return Number(await this.pub.publish(this.channel, text));
    } catch {
      return 0;
    }
  }

  private hear(raw: string): void {
    const m = parseRosterMessage(raw);
    if (!m || m.from === this.self) return;
    if (this.options.lab !== undefined && m.lab !== undefined && m.lab !== this.options.lab) {
      // Another lab's: an answer to a roll call all the same (it heard it), never a server of ours.
      if (m.type === 'here') this.answers.add(m.from);
      this.onAnswer?.();
      return;
    }
    if (m.type === 'roll-call') return this.announce();
    if (m.type === 'leaving') return this.forget(m.from);
    this.answers.add(m.from);
    this.onAnswer?.();
    this.update(m.from, m.servers);
  }

  private update(from: string, servers: RosterServer[]): void {
    const own = new Set(this.options.own().map((s) => s.id));
    for (const [id, r] of this.remote) {
      if (r.from === from && !servers.some((s) => s.id === id)) this.drop(id, 'left');
    }
    for (const s of servers) {
      const known = this.remote.get(s.id);
      if (own.has(s.id) || (known && known.from !== from)) {
        this.options.onClash?.(s.id);
        continue;
      }
      const entry = { ...s, from, seen: Date.now() };
      this.remote.set(s.id, entry);
      if (!known) this.options.onChange?.('joined', entry);
      else if (known.port !== s.port || known.state !== s.state || known.clients !== s.clients)
        this.options.onChange?.('updated', entry);
    }
  }

  private forget(from: string): void {
    for (const [id, r] of this.remote) if (r.from === from) this.drop(id, 'left');
  }

  private drop(id: string, why: 'left' | 'silent'): void {
    const r = this.remote.get(id);
    if (!r) return;
    this.remote.delete(id);
    this.options.onChange?.(why, r);
  }

  private tick(): void {
    if (this.options.heartbeat) this.announce();
    // Silence means something only while this process could have heard.
    if (this.sub.status !== 'ready') return;
    const now = Date.now();
    for (const [id, r] of this.remote) if (now - r.seen > SILENCE_MS) this.drop(id, 'silent');
  }
}
