/**
 * The server's half of an adapter mode: how the lab makes a server's adapter and its Redis
 * connections, which Redis commands, channels and keys it uses there, and how the monitor tap
 * hooks it. One module per mode (none.ts, redis.ts, sharded.ts, streams.ts), listed in
 * registry.ts. What everyone else sees of a mode (its label, summary, what Redis keeps) is
 * trace/adapter-modes.ts; the stage's drawing is web/src/lib/redis/scenes.ts.
 */
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import type { AdapterKind, SubscriptionMode } from '../../trace/events.ts';
import type { ServerTap } from '../monitor/server-tap.ts';
import type { AdapterFamily } from '../monitor/decode.ts';
import type { RedisPair } from '../redis-clients.ts';
import type { OnDropped } from './guard.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- socket.io types the factory loosely too
export type AdapterFactory = (nsp: any) => any;

/**
 * A server's connections to Redis. `reader` is the streams adapter's XREAD connection; the
 * other modes read on `sub`.
 */
export interface RedisConnections extends RedisPair {
  reader?: Redis;
}

/** What a mode's adapter is made with, besides its connections. */
export interface ModeContext {
  /** The prefix of the adapter's channels (and stream and session keys): default `socket.io`. */
  key?: string;
  subscriptionMode?: SubscriptionMode;
  /** Told of a message the adapter could not handle, which a guard dropped (guard.ts). */
  onDropped?: OnDropped;
}

/** Where a mode's adapter meets Redis, for a given prefix (docs/adapters.md lists them). */
export interface ModeWire {
  /** The commands it sends, on which connection. */
  commands: readonly string[];
  /** The pub/sub channels (or patterns) it uses. */
  channels: readonly string[];
  /** The keys it writes (streams and session keys); empty for pub/sub. */
  keys: readonly string[];
}

export interface ServerMode {
  id: AdapterKind;
  /** The oldest Redis major version it works with (SSUBSCRIBE needs 7). */
  minRedisMajor?: number;
  /** Whether it runs on a Redis Cluster (--redis-cluster). */
  cluster: boolean;
  /** How its messages are encoded on the wire, for the decoder (server/monitor/decode.ts). */
  family: AdapterFamily;
  /** Options the mode adds to `new Server()` (the streams mode turns on state recovery). */
  serverOptions?: Partial<ServerOptions>;
  /**
   * Makes one server's connections (a server's own, so its life can drop them); null when the
   * servers do not talk to Redis in this mode.
   */
  connect: ((url: string, id: string, protocol: 2 | 3, lab?: string) => RedisConnections) | null;
  /**
   * The factory as the walkthrough writes it, for the monitor off: the real adapter, guarded
   * against what it would crash on (guard.ts), with no hooks of the tap's.
   */
  create(conns: RedisConnections | null, ctx: ModeContext): AdapterFactory;
  /** The same adapter with the tap's hooks (server/monitor/). */
  tapped(tap: ServerTap, conns: RedisConnections | null, ctx: ModeContext): AdapterFactory;
  /** What it sends to Redis with prefix `key`. */
  wire(key: string): ModeWire;
  /** How the tap hooks it: one line per hook, for docs/adapters.md and the code's reader. */
  hooks: readonly string[];
}

/** A mode that talks to Redis is always given its connections (server-node.ts). */
export function need(conns: RedisConnections | null): RedisConnections {
  if (!conns) throw new Error('this adapter mode needs its Redis connections');
  return conns;
}

/** Every connection of a server, with the role the tap reports it under. */
export function rolesOf(conns: RedisConnections): [Redis, 'pub' | 'sub' | 'xread'][] {
  const list: [Redis, 'pub' | 'sub' | 'xread'][] = [
    [conns.pub, 'pub'],
    [conns.sub, 'sub'],
  ];
  if (conns.reader) list.push([conns.reader, 'xread']);
  return list;
}
