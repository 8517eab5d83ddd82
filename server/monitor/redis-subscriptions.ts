/**
 * Redis's subscriptions as Redis itself reports them, for the standing state (issue 20): the
 * trace knows only the SUBSCRIBEs the lab's servers reported, so a script, a phone or another
 * lab subscribed from outside never showed, and a page opened late had only the trace's word.
 * The hub asks every couple of seconds (PUBSUB CHANNELS / NUMSUB, SHARDCHANNELS / SHARDNUMSUB,
 * NUMPAT, CLIENT LIST) and sends a `redis.pubsub` event when the answer changed.
 */
import type { Redis } from 'ioredis';
import type { PubsubClient, RedisPubsub } from '../../trace/events.ts';
import { OccasionalConnection, parseLabConnectionName } from '../redis-clients.ts';
import { readClientList, type ClientListEntry } from '../client-list.ts';

export type PubsubReport = Pick<RedisPubsub, 'channels' | 'shardChannels' | 'patterns' | 'clients'>;

/** The connections with a subscription in a CLIENT LIST reply, this lab's names shortened. */
export function subscribersInClientList(
  list: readonly ClientListEntry[],
  lab: string,
  plumbing: (name: string) => string[] | undefined = () => undefined,
): PubsubClient[] {
  const out: PubsubClient[] = [];
  for (const entry of list) {
    const [sub, psub, ssub] = [entry.sub, entry.psub, entry.ssub].map((v) => Number(v) || 0);
    if (sub + psub + ssub === 0) continue;
    const name = entry.name ?? '';
    const parsed = parseLabConnectionName(name);
    const own = parsed?.lab === lab;
    const client: PubsubClient = {
      id: Number(entry.id),
      name: own ? parsed.name : name,
      own,
      sub,
      psub,
      ssub,
    };
    const channels = own ? plumbing(parsed.name) : undefined;
    if (channels) client.channels = channels;
    out.push(client);
  }
  return out.sort((a, b) => a.id - b.id);
}

/** `[name, count, name, count...]` (NUMSUB's reply) as a record, leaving out channels at 0. */
function counts(reply: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const flat = Array.isArray(reply) ? reply : [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const n = Number(flat[i + 1]);
    if (n > 0) out[String(flat[i])] = n;
  }
  return out;
}

/** Asks Redis once over `c`. SHARD* fail on a Redis before 7: then there are no shard channels. */
export async function readPubsub(
  c: Redis,
  lab: string,
  plumbing?: (name: string) => string[] | undefined,
): Promise<PubsubReport> {
  const list = await readClientList(c);
  const names = (await c.call('PUBSUB', 'CHANNELS')) as string[];
  const channels = names.length
    ? counts(await c.call('PUBSUB', 'NUMSUB', ...names.slice().sort()))
    : {};
  const patterns = Number(await c.call('PUBSUB', 'NUMPAT'));
  let shardChannels: Record<string, number> = {};
  try {
    const shards = (await c.call('PUBSUB', 'SHARDCHANNELS')) as string[];
    if (shards.length)
      shardChannels = counts(await c.call('PUBSUB', 'SHARDNUMSUB', ...shards.slice().sort()));
  } catch {
    // Redis 6 has no shard channels.
  }
  return {
    channels,
    shardChannels,
    patterns,
    clients: subscribersInClientList(list, lab, plumbing),
  };
}

/** CLIENT LIST's per-connection counts add up to PUBSUB's per-channel ones: one moment's answer. */
export function consistent(r: PubsubReport): boolean {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return (
    sum(r.clients.map((c) => c.sub)) === sum(Object.values(r.channels)) &&
    sum(r.clients.map((c) => c.ssub)) === sum(Object.values(r.shardChannels))
  );
}

export interface PubsubWatchOptions {
  url: () => string;
  lab: string;
  /** The channels the lab subscribed one of its own plumbing connections to (by its short name). */
  plumbing?: (name: string) => string[] | undefined;
  /** A new answer, different from the last one sent. */
  onReport: (report: PubsubReport) => void;
  everyMs?: number;
}

export class RedisSubscriptions {
  private timer: NodeJS.Timeout | null = null;
  private last = '';
  private reading = false;

  /** Where the report asks. */
  private readonly redis: OccasionalConnection;

  constructor(private readonly o: PubsubWatchOptions) {
    this.redis = new OccasionalConnection(o.url, 'hub:pubsub', o.lab);
  }

  start(): void {
    void this.look();
    this.timer = setInterval(() => void this.look(), this.o.everyMs ?? 2000);
    this.timer.unref();
  }

  /** The lab's Redis URL or user changed. */
  reconnect(): void {
    this.redis.reset();
  }

  /** Reads once and reports when the answer changed; resolves with it (undefined when Redis did not answer). */
  async look(): Promise<PubsubReport | undefined> {
    if (this.reading) return undefined;
    this.reading = true;
    try {
      const report = await readPubsub(this.redis.get(), this.o.lab, this.o.plumbing);
      // Someone (un)subscribed between CLIENT LIST and PUBSUB: the next look sees it settled.
      if (!consistent(report)) return undefined;
      const json = JSON.stringify(report);
      if (json !== this.last) {
        this.last = json;
        this.o.onReport(report);
      }
      return report;
    } catch {
      // Redis is down or refuses (an ACL without PUBSUB): the trace's tables still stand; the
      // next answer is sent even when it equals the one before the outage.
      this.last = '';
      return undefined;
    } finally {
      this.reading = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.reset();
  }
}
