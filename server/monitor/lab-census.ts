/**
 * Other labs on the same Redis. Two classes pointed at one Redis join silently: with the same
 * channel key their servers hear each other's broadcasts, and their clients get each other's
 * messages. The census finds them three ways:
 * - connection names (CLIENT LIST, at start and every few seconds): every lab names its
 *   connections `<name>@<lab id>`;
 * - monitor batches of another lab on our monitor channel (hub-feed.ts);
 * - traffic: a message on our adapter's channels tagged by another lab (tap-classic.ts...).
 * Whether broadcasts cross is Redis's answer: more subscribers on our request channel (or shard
 * channel) than our own servers have, or traffic from that lab already seen.
 */
import type { AdapterKind } from '../../trace/events.ts';
import type { OtherLab } from '../../trace/lab-info.ts';
import { OccasionalConnection, parseLabConnectionName, withConnection } from '../redis-clients.ts';
import { readClientList, type ClientListEntry } from '../client-list.ts';

export interface CensusOptions {
  url: () => string;
  lab: string;
  key: string;
  adapter: () => AdapterKind;
  /** A lab appeared, or its standing changed: one sentence for a notice. */
  onNews: (text: string) => void;
  /** The list of other labs changed. */
  onChange: () => void;
  /** How often CLIENT LIST is asked (default 5 s). */
  everyMs?: number;
}

/** A lab known only from batches or traffic is forgotten after this long without either. */
const FORGET_MS = 30_000;

interface Seen {
  servers: Set<string>;
  via: Set<OtherLab['via'][number]>;
  /** Seen in the last CLIENT LIST. */
  connected: boolean;
  /** It has sub connections (servers with an adapter). */
  listens: boolean;
  traffic: boolean;
  lastSeen: number;
  /** What the last notice said, so one is sent only when that changes. */
  told?: string;
}

/** The labs whose connections CLIENT LIST shows, by id, with their servers. */
export function labsInClientList(
  list: readonly ClientListEntry[],
): Map<string, { servers: Set<string>; listens: boolean }> {
  const labs = new Map<string, { servers: Set<string>; listens: boolean }>();
  for (const connection of list) {
    const parsed = parseLabConnectionName(connection.name ?? '');
    if (!parsed) continue;
    const entry = labs.get(parsed.lab) ?? { servers: new Set(), listens: false };
    labs.set(parsed.lab, entry);
    const server = /^([^:]+):(pub|sub)$/.exec(parsed.name);
    if (server) entry.servers.add(server[1]);
    if (server?.[2] === 'sub') entry.listens = true;
  }
  return labs;
}

/**
 * The labs on a Redis right now, for a standalone server choosing which to join; undefined when
 * the user may not run CLIENT LIST.
 */
export async function labsOn(
  url: string,
): Promise<ReturnType<typeof labsInClientList> | undefined> {
  try {
    return await withConnection(url, 'lab:probe', async (c) =>
      labsInClientList(await readClientList(c)),
    );
  } catch {
    return undefined;
  }
}

export class LabCensus {
  private readonly labs = new Map<string, Seen>();
  private timer: NodeJS.Timeout | null = null;
  /** More subscribers on our adapter's channel than our own servers' connections. */
  private crowded = false;
  /** Why CLIENT LIST could not be read (a user without the permission, say), once. */
  listError: string | undefined;

  /** Where the census asks. */
  private readonly redis: OccasionalConnection;

  constructor(private readonly o: CensusOptions) {
    this.redis = new OccasionalConnection(o.url, 'hub:census', o.lab);
  }

  /** Looks once (the banner reports what it found), then every few seconds. */
  async start(): Promise<void> {
    await this.look();
    this.timer = setInterval(() => void this.look(), this.o.everyMs ?? 5000);
    this.timer.unref();
  }

  /** The connection's URL changed (the lab now runs as another Redis user). */
  reconnect(): void {
    this.redis.reset();
  }

  /** CLIENT LIST, and the subscriber count of the channel the adapter counts servers by. */
  async look(): Promise<void> {
    const adapter = this.o.adapter();
    let list: ClientListEntry[];
    try {
      list = await readClientList(this.redis.get());
      this.listError = undefined;
    } catch (err) {
      this.listError = (err as Error).message;
      return;
    }
    const found = labsInClientList(list);
    const ours = found.get(this.o.lab);
    found.delete(this.o.lab);
    this.crowded = false;
    if (adapter !== 'none' && found.size > 0) {
      try {
        const [command, channel] =
          adapter === 'sharded'
            ? ['SHARDNUMSUB', `${this.o.key}#/#`]
            : ['NUMSUB', `${this.o.key}-request#/#`];
        const reply = (await this.redis.get().call('PUBSUB', command, channel)) as unknown[];
        const own = list.filter((entry) => {
          const p = parseLabConnectionName(entry.name ?? '');
          return p?.lab === this.o.lab && /:sub$|^stray$/.test(p.name);
        }).length;
        this.crowded = Number(reply[1]) > own && ours !== undefined;
      } catch {
        // The count is a refinement; the names alone still say who is there.
      }
    }
    const now = Date.now();
    for (const seen of this.labs.values()) seen.connected = false;
    for (const [id, entry] of found) {
      const seen = this.entry(id);
      seen.connected = true;
      seen.listens = entry.listens;
      seen.via.add('connections');
      for (const s of entry.servers) seen.servers.add(s);
      seen.lastSeen = now;
    }
    const before = [...this.labs.keys()].join();
    this.forget(now);
    for (const id of this.labs.keys()) this.tell(id);
    if ([...this.labs.keys()].join() !== before) this.o.onChange();
  }

  /** A batch of lab `id` from source `from` came on our monitor channel. */
  noteMonitor(id: string, from: string): void {
    const seen = this.entry(id);
    seen.via.add('monitor');
    if (from !== 'hub') seen.servers.add(from);
    seen.lastSeen = Date.now();
    this.tell(id);
  }

  /** One of our servers received a message tagged by lab `id`: broadcasts do cross. */
  noteTraffic(id: string): void {
    const seen = this.entry(id);
    seen.via.add('traffic');
    seen.traffic = true;
    seen.lastSeen = Date.now();
    this.tell(id);
  }

  private entry(id: string): Seen {
    let seen = this.labs.get(id);
    if (!seen) {
      seen = {
        servers: new Set(),
        via: new Set(),
        connected: false,
        listens: false,
        traffic: false,
        lastSeen: Date.now(),
      };
      this.labs.set(id, seen);
    }
    return seen;
  }

  private forget(now: number): void {
    for (const [id, seen] of this.labs) {
      if (!seen.connected && now - seen.lastSeen > FORGET_MS) this.labs.delete(id);
    }
  }

  private shares(seen: Seen): boolean {
    return seen.traffic || (this.crowded && seen.connected && seen.listens);
  }

  private tell(id: string): void {
    const seen = this.labs.get(id)!;
    const shares = this.shares(seen);
    const servers = [...seen.servers].sort();
    const which = `${id}${servers.length ? ` (servers ${servers.join(', ')})` : ''}`;
    const text = shares
      ? `Another lab, ${which}, uses this Redis and listens on the same channels (key ${this.o.key}): broadcasts cross between the two labs, so its clients get this lab's messages and this lab's clients get its. Give each lab its own --key to keep them apart.`
      : `Another lab, ${which}, uses this Redis. Nothing shows that its servers listen on this lab's channels (key ${this.o.key}), so broadcasts should not cross; if it uses the same key, they will.`;
    const standing = `${shares}`;
    if (seen.told === standing) return;
    seen.told = standing;
    this.o.onNews(text);
    this.o.onChange();
  }

  list(): OtherLab[] {
    return [...this.labs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, seen]) => ({
        id,
        servers: [...seen.servers].sort(),
        via: [...seen.via].sort(),
        sharesChannels: this.shares(seen),
      }));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.reset();
  }
}
