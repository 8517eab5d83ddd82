import { globMatch } from './glob-match.ts';
import { Stream } from './stream.ts';

/**
 * The broker's one database: the keys the Redis Streams adapter needs (its stream, and the
 * session strings it writes with `SET ... PX` and reads back with GET/DEL), nothing more. Keys
 * are latin1 strings, one char per byte, like channel names in the pub/sub registry.
 *
 * Expiry works like Redis's: a key past its time is gone for every command that looks
 * (lazy), and a sweep every 100 ms removes the ones nobody looks at (active), so sessions
 * that are never restored do not pile up.
 */

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export type KeyValue = { type: 'string'; value: Buffer } | { type: 'stream'; stream: Stream };

const SWEEP_EVERY_MS = 100;
/** Keys checked per sweep, so a huge expiring keyspace cannot stall the event loop. */
const SWEEP_MAX_KEYS = 10_000;

export class Keyspace {
  private readonly data = new Map<string, KeyValue>();
  /** Absolute expiry times in ms since the epoch, for keys that have one. */
  private readonly expires = new Map<string, number>();
  private sweeper: NodeJS.Timeout | null = null;

  /** The value at `key`, or undefined when it is missing or has expired. */
  lookup(key: string, now = Date.now()): KeyValue | undefined {
    const value = this.data.get(key);
    if (value === undefined || this.expires.size === 0) return value;
    const at = this.expires.get(key);
    if (at !== undefined && at <= now) {
      this.delete(key);
      return undefined;
    }
    return value;
  }

  /** The stream at `key`, made empty if missing. Callers check the type before. */
  streamFor(key: string): Stream {
    const value = this.lookup(key);
    if (value?.type === 'stream') return value.stream;
    const stream = new Stream();
    this.data.set(key, { type: 'stream', stream });
    return stream;
  }

  /** Stores a value. `expiresAt`: a time, null for none, 'keep' to keep the key's current one. */
  set(key: string, value: KeyValue, expiresAt: number | null | 'keep'): void {
    this.data.set(key, value);
    if (expiresAt === 'keep') return;
    if (expiresAt === null) {
      this.expires.delete(key);
      return;
    }
    this.expires.set(key, expiresAt);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
  }

  delete(key: string): boolean {
    this.expires.delete(key);
    return this.data.delete(key);
  }

  /** Milliseconds left before the key expires, null when it has no expiry. */
  timeToLive(key: string, now = Date.now()): number | null {
    const at = this.expires.get(key);
    return at === undefined ? null : Math.max(0, at - now);
  }

  /** Live keys matching a glob pattern, in insertion order (Redis answers in hash order). */
  keys(pattern: string, now = Date.now()): string[] {
    const all = pattern === '*';
    return [...this.data.keys()].filter(
      (k) => this.lookup(k, now) !== undefined && (all || globMatch(pattern, k)),
    );
  }

  /** For INFO's keyspace line: keys (expired ones not yet swept included, as in Redis). */
  get size(): number {
    return this.data.size;
  }

  get expiringCount(): number {
    return this.expires.size;
  }

  /** Empties the database, as a Redis without persistence is empty after a restart. */
  clear(): void {
    this.data.clear();
    this.expires.clear();
    this.stopSweeping();
  }

  private sweep(): void {
    const now = Date.now();
    let checked = 0;
    for (const [key, at] of this.expires) {
      if (at <= now) this.delete(key);
      if (++checked >= SWEEP_MAX_KEYS) break;
    }
    if (this.expires.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
