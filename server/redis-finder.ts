/**
 * Finds a Redis for the lab; the first match wins and the banner says which and why:
 * 1. --redis URL / REDIS_URL; 2. a Redis answering on 127.0.0.1:6379; 3. a redis-server on PATH,
 * started on a free loopback port with persistence off; 4. the embedded broker.
 */
import { Redis } from 'ioredis';
import { withConnection } from './redis-clients.ts';
import type { RedisKind } from '../trace/lab-info.ts';
import { isListening } from './free-port.ts';
import { RedisProcess, redisServerOnPath } from './redis-process.ts';

/** A Redis the lab runs itself and can stop and start (a redis-server process or the broker). */
export interface ManagedRedis {
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisChoice {
  url: string;
  kind: RedisKind;
  reason: string;
  version: string;
  managed?: ManagedRedis;
}

export class RedisNotFoundError extends Error {}

export const HOW_TO_GET_REDIS =
  'Fanout Lab needs Redis. Install it with "sudo apt-get install redis-server" (Debian/Ubuntu) or ' +
  '"brew install redis" (macOS), or run "docker run -p 6379:6379 redis:7", or point the lab at one ' +
  'with --redis redis://host:6379 (or REDIS_URL).';

/** The URL without its password, safe to print and to show in the API. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** One command on a short-lived connection that never retries; rejects if Redis doesn't answer. */
export async function probeRedis(url: string, args: string[], timeoutMs = 2000): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: 'lab:probe',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(args[0], ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

/**
 * Before the lab logs in as an ACL user on a Redis it did not start, one try, so a wrong user or
 * password is one sentence at start rather than servers retrying forever.
 */
export async function checkUser(url: string, user: string, rules: string[]): Promise<void> {
  try {
    // Not redisVersion: its probe gives up on the first error and reports "Connection is closed",
    // where this should say what Redis said (WRONGPASS ...).
    await withConnection(url, 'lab:probe', (client) => client.ping(), 2000);
  } catch (err) {
    throw new RedisNotFoundError(
      `Redis at ${redactUrl(url)} does not let user ${user} in (${(err as Error).message}). Check --redis-user and --redis-password, or make the user on that Redis: ACL SETUSER ${user} on >PASSWORD ~* resetchannels ${rules.join(' ')} +@all`,
    );
  }
}

/** Asks a Redis for its version (INFO server); throws with a sentence if it doesn't answer. */
export async function redisVersion(url: string, timeoutMs = 2000): Promise<string> {
  const info = await probeRedis(url, ['INFO', 'server'], timeoutMs);
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}

export function majorVersion(version: string): number {
  return Number.parseInt(version, 10) || 0;
}

async function embeddedBroker(reason: string): Promise<RedisChoice> {
  const { EmbeddedBroker } = await import('./broker/broker.ts');
  const broker = await EmbeddedBroker.start();
  // The broker reports a Redis 7 version so version checks pass; the lab says plainly what it is.
  const version = `${await redisVersion(broker.url)} (Fanout Lab embedded broker)`;
  return { url: broker.url, kind: 'embedded', reason, version, managed: broker };
}

export async function findRedis(opts: { url?: string; broker?: boolean }): Promise<RedisChoice> {
  if (opts.url) {
    try {
      return {
        url: opts.url,
        kind: 'external',
        reason: 'you gave it with --redis or REDIS_URL',
        version: await redisVersion(opts.url),
      };
    } catch (err) {
      throw new RedisNotFoundError(
        `Redis at ${redactUrl(opts.url)} does not answer (${(err as Error).message}): start it, fix the URL, or leave out --redis/REDIS_URL to let the lab find or start one.`,
      );
    }
  }
  if (opts.broker) return embeddedBroker('you asked for it with --broker');
  if (await isListening('127.0.0.1', 6379)) {
    try {
      const url = 'redis://127.0.0.1:6379';
      return {
        url,
        kind: 'external',
        reason: 'a Redis answered on 127.0.0.1:6379',
        version: await redisVersion(url),
      };
    } catch {
      // Something else holds 6379, or it wants a password: keep looking.
    }
  }
  if (redisServerOnPath()) {
    const redis = await RedisProcess.start();
    return {
      url: redis.url,
      kind: 'spawned',
      reason:
        'redis-server was found on PATH; the lab started it on a free port with persistence off',
      version: await redisVersion(redis.url),
      managed: redis,
    };
  }
  try {
    return await embeddedBroker(
      'no Redis was found, so the lab runs its embedded broker (for a real Redis, install redis-server or pass --redis URL)',
    );
  } catch (err) {
    throw new RedisNotFoundError(
      `${HOW_TO_GET_REDIS} (The embedded broker could not start: ${(err as Error).message})`,
    );
  }
}
