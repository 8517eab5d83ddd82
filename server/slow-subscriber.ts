/**
 * A slow subscriber (issue 11, item 6): one server's sub connection stops reading what Redis
 * sends (the relay's `stall`, server/redis-link.ts) while broadcasts go on. Redis keeps what it
 * cannot send in the connection's output buffer, and closes the connection once that passes
 * `client-output-buffer-limit pubsub` (the hard limit at once, the soft one after its seconds).
 *
 * Redis tells nobody why it closed a connection: the server only reads an end, after what the
 * kernel held. The lab reads it from outside: it watches the connection in CLIENT LIST (its
 * `omem`, the bytes waiting) and, when Redis drops it while it was not reading, says so.
 */
import type { Redis } from 'ioredis';
import type { ServerLink } from '../trace/events.ts';
import { LabError } from './lab-error.ts';
import type { LabLinks } from './lab-links.ts';
import { labConnectionName, withConnection } from './redis-clients.ts';
import { readClientList } from './client-list.ts';

/**
 * What the lab sets on a Redis it runs itself: 1 MB at once, or 256 KB for more than 2 s. Redis's
 * own default (32 MB, or 8 MB for 60 s) would take minutes of chat to reach.
 */
export const LAB_PUBSUB_LIMIT = '1mb 256kb 2';

const LIMIT = 'client-output-buffer-limit';

/** `pubsub <hard> <soft> <seconds>` out of CONFIG GET's whole value. */
function pubsubPart(value: string): string {
  return /pubsub \d+ \d+ \d+/.exec(value)?.[0] ?? 'pubsub (unknown)';
}

async function configGet(c: Redis): Promise<string> {
  const reply = (await c.call('CONFIG', 'GET', LIMIT)) as unknown;
  // RESP3 answers a map (an object to ioredis), RESP2 a flat list.
  const value = Array.isArray(reply) ? reply[1] : (reply as Record<string, string>)[LIMIT];
  return pubsubPart(String(value));
}

/**
 * Sets the limit where the lab may (a Redis it runs, or anywhere when asked with `limit`) and
 * answers the one in force, e.g. `pubsub 1048576 262144 2`. A Redis the lab was given keeps its
 * own: other programs on it rely on their limits.
 */
export async function pubsubLimit(opts: {
  /** The lab's own Redis, as its default user; absent for a Redis the lab was given. */
  managedUrl?: string;
  labUrl: string;
  /** `<hard> <soft> <seconds>` asked for in the request. */
  limit?: string;
}): Promise<string> {
  const url = opts.managedUrl ?? opts.labUrl;
  const wanted = opts.limit ?? (opts.managedUrl ? LAB_PUBSUB_LIMIT : undefined);
  return withConnection(url, 'lab:probe', async (c) => {
    if (wanted !== undefined) {
      try {
        await c.call('CONFIG', 'SET', LIMIT, `pubsub ${wanted}`);
      } catch (err) {
        throw new LabError(
          400,
          `Redis refused the pubsub limit "${wanted}" (${(err as Error).message}); give "<hard> <soft> <seconds>", e.g. "${LAB_PUBSUB_LIMIT}".`,
        );
      }
    }
    try {
      return await configGet(c);
    } catch {
      // A Redis that may not tell (CONFIG refused to this user) still cuts slow subscribers off.
      return 'pubsub (unknown: CONFIG GET refused)';
    }
  });
}

export interface SlowWatchOptions {
  url: string;
  /** The sub connection's full name in CLIENT LIST, `s2:sub@<lab>`. */
  name: string;
  /** Bytes waiting in Redis for the connection, when that changes (at most every `everyMs`). */
  onPending: (bytes: number) => void;
  /** Redis dropped the connection; `pending` is what the lab last saw waiting. */
  onClosed: (pending: number) => void;
  everyMs?: number;
}

/**
 * Looks at the connection in CLIENT LIST until Redis drops it, or until the answer is called.
 * Rejects at once when the connection is not there to watch.
 */
export async function watchSlowSubscriber(o: SlowWatchOptions): Promise<() => void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(o.url, {
    connectionName: 'lab:watch',
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  client.on('error', () => undefined);
  const look = async (): Promise<{ id: string; omem: number } | undefined> => {
    const entry = (await readClientList(client)).find((e) => e.name === o.name);
    if (!entry) return undefined;
    return { id: entry.id ?? '', omem: Number(entry.omem ?? 0) };
  };
  await client.connect();
  const first = await look().catch(() => undefined);
  if (!first) {
    client.disconnect();
    throw new LabError(
      409,
      `${o.name} is not on Redis right now, so it cannot be slowed; wait for it to reconnect.`,
    );
  }
  let stopped = false;
  let pending = first.omem;
  let told = -1;
  let toldAt = 0;
  const stop = () => {
    stopped = true;
    client.disconnect();
  };
  const tick = async () => {
    if (stopped) return;
    const now = await look().catch(() => 'error' as const);
    if (stopped) return;
    if (now === undefined || (now !== 'error' && now.id !== first.id)) {
      stop();
      o.onClosed(pending);
      return;
    }
    if (now !== 'error') {
      pending = now.omem;
      if (pending !== told && Date.now() - toldAt >= 500) {
        told = pending;
        toldAt = Date.now();
        o.onPending(pending);
      }
    }
    setTimeout(() => void tick(), o.everyMs ?? 100);
  };
  void tick();
  return stop;
}

/** The reason the trace gives for the sub connection's end. */
export function closeReason(limit: string, pending: number): string {
  return `Redis closed it while it was not reading: client-output-buffer-limit ${limit} (hard bytes, soft bytes, soft seconds); ${pending} bytes were waiting at the lab's last look`;
}

/** What slowDown needs of the lab. */
export interface SlowDownContext {
  id: string;
  lab: string;
  server: { subPort: number | undefined; explainSubClose(why: string): void };
  links: LabLinks;
  hasAdapter: boolean;
  managedUrl?: string;
  labUrl: string;
  /** `<hard> <soft> <seconds>` asked for in the request. */
  limit?: string;
  emit: (e: Omit<ServerLink, 'kind' | 'server' | 't' | 'seq' | 'step'>) => void;
  changed: () => void;
}

/** Makes server `id` a slow subscriber; answers the limit in force. */
export async function slowDown(o: SlowDownContext): Promise<string> {
  const limit = await pubsubLimit(o);
  o.links.stall(o.id, o.server.subPort, o.hasAdapter);
  try {
    const stop = await watchSlowSubscriber({
      url: o.labUrl,
      name: labConnectionName(`${o.id}:sub`, o.lab),
      onPending: (pending) => o.emit({ link: 'slow', limit, pending }),
      onClosed: (pending) => {
        // The server reads again, so it gets what the kernel held, then Redis's end: the tap
        // reports that end with the reason the lab read.
        o.server.explainSubClose(closeReason(limit, pending));
        o.links.unslow(o.id);
        o.emit({ link: 'open', closedBy: 'redis', limit, pending });
        o.changed();
      },
    });
    o.links.watch(o.id, stop);
  } catch (err) {
    o.links.unslow(o.id);
    throw err;
  }
  return limit;
}
