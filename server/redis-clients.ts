import { LabError } from './lab-error.ts';
import { Redis, type RedisOptions } from 'ioredis';
import { settlesWithin } from './deadline.ts';

/**
 * The pub/sub pair of one server, made the way the walkthrough does it: one client,
 * then `duplicate()` for the subscriber, each named with CLIENT SETNAME so that
 * `CLIENT LIST` shows who is who.
 */
export interface RedisPair {
  pub: Redis;
  sub: Redis;
}

/**
 * What CLIENT LIST shows for one of a lab's connections: `s1:pub@k3f9` is s1's pub connection in
 * lab k3f9. The lab id tells labs that share a Redis apart (server/monitor/lab-census.ts).
 */
export function labConnectionName(name: string, lab: string | undefined): string {
  return lab ? `${name}@${lab}` : name;
}

/** The lab and the name inside it of a connection named by labConnectionName, if it is one. */
export function parseLabConnectionName(full: string): { name: string; lab: string } | undefined {
  const m = /^(.+)@([a-z0-9]{1,16})$/.exec(full);
  return m ? { name: m[1], lab: m[2] } : undefined;
}

/** Options shared by every connection the lab makes. */
export function baseOptions(name: string): RedisOptions {
  return {
    connectionName: name,
    // A quick, steady retry so that a restarted Redis is rejoined within about a second.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    // Redis restarts are part of the lesson, so a reconnect must not give up.
    maxRetriesPerRequest: null,
  };
}

/**
 * A connection the hub asks things over now and then (the census, the subscription report): made
 * on first use, one try per command, errors left to the commands; `reset` drops it when the lab's
 * URL or user changed, and the next use makes it again.
 */
export class OccasionalConnection {
  private client: Redis | null = null;

  constructor(
    private readonly url: () => string,
    private readonly name: string,
    private readonly lab: string,
  ) {}

  get(): Redis {
    if (!this.client) {
      this.client = new Redis(this.url(), {
        ...baseOptions(labConnectionName(this.name, this.lab)),
        maxRetriesPerRequest: 1,
      });
      this.client.on('error', () => undefined);
    }
    return this.client;
  }

  reset(): void {
    this.client?.disconnect();
    this.client = null;
  }
}

export function createRedisPair(
  url: string,
  id: string,
  protocol: 2 | 3 = 3,
  lab?: string,
): RedisPair {
  const pub = new Redis(url, {
    ...baseOptions(labConnectionName(`${id}:pub`, lab)),
    protocol,
    // While Redis is down, a PUBLISH fails at once instead of waiting in ioredis's offline
    // queue: pub/sub is fire-and-forget, and the lab shows the message as lost right there.
    enableOfflineQueue: false,
  });
  // The subscriber keeps the offline queue: the adapter subscribes in its constructor,
  // possibly before the connection is ready, and ioredis re-subscribes after a reconnect.
  const sub = pub.duplicate({
    connectionName: labConnectionName(`${id}:sub`, lab),
    enableOfflineQueue: true,
  });
  return { pub, sub };
}

/**
 * A connection that publishes monitor batches. Its offline queue stays on, so the first batches
 * of a server that is still connecting (server.up, its Redis connections) are not lost; the sink
 * bounds how many batches can wait, and after a few failed reconnects the waiting ones are dropped.
 */
export function monitorPublisher(url: string, name: string): Redis {
  const client = new Redis(url, { ...baseOptions(name), maxRetriesPerRequest: 5 });
  client.on('error', () => undefined);
  return client;
}

/**
 * One connection for one job (a probe, an admin command, an outsider's PUBLISH): it connects
 * once, never retries, and is gone when `job` settles.
 */
export async function withConnection<T>(
  url: string,
  name: string,
  job: (client: Redis) => Promise<T>,
  connectTimeout = 2000,
): Promise<T> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: name,
  });
  // ioredis rejects a refused login with "Connection is closed"; Redis's own words are better.
  let refusal: Error | undefined;
  client.on('error', (err: Error) => (refusal = err));
  try {
    try {
      await client.connect();
    } catch (err) {
      // Redis stopped (POST /api/redis/stop) or gone: a call that needs it is refused with a
      // sentence, not a 500 (the chaos suite's API fuzz found a slow cut and an unlock doing that).
      const code = (err as NodeJS.ErrnoException).code ?? (refusal as NodeJS.ErrnoException)?.code;
      if (code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)$/.test(code))
        throw new LabError(
          409,
          `Redis is not answering (${code}), so the lab cannot do that now: start it first (POST /api/redis/start).`,
        );
      throw err;
    }
    return await job(client);
  } catch (err) {
    throw refusal && /Connection is closed/.test((err as Error).message) ? refusal : err;
  } finally {
    client.disconnect();
  }
}

/**
 * Resolves true when the client is ready; false when its connection fails first (Redis is down:
 * no reason to wait), or after `timeoutMs` (a Redis that accepts and never answers). Either way
 * the server starts, and ioredis joins it to Redis when Redis is back.
 */
export function whenReady(client: Redis, timeoutMs = 3000): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('close', onClose);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
    client.on('close', onClose);
  });
}

/** How long a QUIT may wait for Redis's answer before the connection is dropped instead. */
export const QUIT_TIMEOUT_MS = 500;

/**
 * Graceful when Redis can hear it: QUIT on each connection, so Redis sees a clean goodbye. A
 * QUIT cannot be delivered on a connection that is not ready: ioredis would hold it in its
 * offline queue, behind the adapter's UNSUBSCRIBE, for as long as Redis is away. Those are
 * dropped at once, and a QUIT that a cut-off Redis never answers is given up after `timeoutMs`,
 * so a stop or a shutdown never waits on Redis.
 */
export async function quitAll(clients: Redis[], timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      if (c.status === 'end') return;
      if (c.status !== 'ready') {
        c.disconnect(false);
        return;
      }
      const quit = c.quit().then(
        () => true,
        () => false,
      );
      if (!(await settlesWithin(quit, timeoutMs)) || !(await quit)) c.disconnect(false);
    }),
  );
}

/** Abrupt: drop the sockets with no QUIT, as if the process died. */
export function dropAll(...clients: Redis[]): void {
  for (const c of clients) c.disconnect(false);
}

/** The (un)subscribe commands of the three kinds of pub/sub: channels, patterns and shards. */
export const SUBSCRIBE_COMMANDS = [
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
] as const;

/** `set`: the streams adapter saves a session (SET ... PX) without awaiting it either. */
const FIRE_AND_FORGET = ['publish', 'spublish', 'set', ...SUBSCRIBE_COMMANDS] as const;

/** Marks the promises of `commands` on `client` handled; callers still get the same promise. */
function catchEach(
  client: Redis,
  commands: readonly string[],
  onError: (command: string, err: Error) => void,
): void {
  const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const command of commands) {
    const original = target[command];
    target[command] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      result.catch((err: Error) => onError(command, err));
      return result;
    };
  }
}

/**
 * The adapters call PUBLISH, (UN)SUBSCRIBE and SET without awaiting them. When Redis is down or a
 * server is crashed, those promises reject, and an unhandled rejection would end the whole lab.
 * This marks them handled (callers still get the same promise) and reports the failure.
 */
export function guardFireAndForget(
  client: Redis,
  onError: (command: string, err: Error) => void,
): void {
  catchEach(client, FIRE_AND_FORGET, onError);
}

/**
 * ioredis subscribes a subscriber connection again by itself each time it is back
 * (autoResubscribe), and nobody awaits that SUBSCRIBE. Should the connection be closed for good
 * before Redis answers it (the lab removes or replaces the connection while Redis is away), or
 * give up on it (maxRetriesPerRequest), its promise rejects with `Connection is closed.` or
 * MaxRetriesPerRequestError and no caller to catch it: an unhandled rejection, which ends a Node
 * process. The chaos suite's API fuzz found it on the stray subscriber (it re-subscribed as Redis
 * came back, Redis went away again before answering, and the stray was removed). Every
 * subscriber connection the lab makes outside the adapters (whose connections get
 * guardFireAndForget) gets this. A connection closed for good has no use for the answer; one that
 * gave up comes back subscribed to nothing (ioredis re-subscribes what Redis had confirmed), so
 * `onError` may subscribe it again.
 */
export function guardResubscribe(
  client: Redis,
  onError: (command: string, err: Error) => void = () => undefined,
): void {
  catchEach(client, ['subscribe', 'psubscribe', 'ssubscribe'], onError);
}
