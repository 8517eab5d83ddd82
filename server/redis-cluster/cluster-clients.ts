/**
 * A server's pub/sub pair on a Redis Cluster: two ioredis `Cluster` clients instead of two
 * `Redis` ones. The adapters take either: the classic adapter PUBLISHes and PSUBSCRIBEs through
 * whichever node ioredis picks (a classic PUBLISH reaches every node over the cluster bus), and
 * counts servers by sending PUBSUB NUMSUB to every node; the sharded adapter SPUBLISHes and
 * SSUBSCRIBEs on the node that owns each channel's slot, which ioredis only does with
 * `shardedSubscribers: true` (ioredis 6 has it; the adapter's README, written before it, says
 * the sharded adapter cannot run on ioredis and a cluster: luin/ioredis#1759). The streams
 * adapter gets a third Cluster for its XREAD BLOCK: ioredis sends XADD, XREAD and XRANGE to the
 * master that owns the stream key's slot, and SET and MULTI GET DEL on a session key to the owner
 * of that key's slot (one key per transaction, so one slot).
 */
import { Cluster, type ClusterOptions, type Redis } from 'ioredis';
import type { AdapterKind } from '../../trace/events.ts';
import { SUBSCRIBE_COMMANDS } from '../redis-clients.ts';
import type { RedisConnections } from '../adapters/server-mode.ts';
import { guardReader } from '../adapters/streams.ts';
import { HookMissing, requireHook } from '../adapters/hook-check.ts';

/** "redis://127.0.0.1:7001" -> { host, port }, with the password of the first URL that has one. */
export function startupNodes(urls: string[]): { host: string; port: number }[] {
  return urls.map((raw) => {
    const url = new URL(raw);
    return { host: url.hostname, port: Number(url.port) || 6379 };
  });
}

function passwordOf(urls: string[]): string | undefined {
  for (const raw of urls) {
    const password = new URL(raw).password;
    if (password) return decodeURIComponent(password);
  }
  return undefined;
}

export function clusterOptions(
  urls: string[],
  name: string,
  extra: Partial<ClusterOptions> = {},
): ClusterOptions {
  return {
    // A quick, steady retry, as for the single Redis: a node restarted in a lesson is rejoined soon.
    clusterRetryStrategy: (times: number) => Math.min(times * 100, 1000),
    ...extra,
    redisOptions: {
      connectionName: name,
      password: passwordOf(urls),
      maxRetriesPerRequest: null,
      ...extra.redisOptions,
    },
  };
}

/** How long the streams adapter's XADD keeps trying through a failover: 60 tries 250 ms apart. */
export const STREAMS_FAILOVER_WAIT = { retryDelayOnFailover: 250, maxRedirections: 60 } as const;

/**
 * ioredis's Cluster has every command and event of Redis that the lab uses on a server's
 * connections (status, ready/close, publish, (p|s)subscribe, xadd, xread, multi, quit,
 * disconnect), so the rest of the lab (the guards, the tap, the stop) handles them as it
 * handles a single Redis's.
 */
export function createClusterPair(
  urls: string[],
  id: string,
  adapter: AdapterKind,
  protocol: 2 | 3 = 3,
): RedisConnections {
  const nodes = startupNodes(urls);
  const streams = adapter === 'streams';
  // replyMapping stays 'legacy' for the streams adapter, as on a single Redis (streams.ts):
  // under RESP3 'resp3' its XREAD loop would drop every entry without a word.
  const redisOptions = { protocol, ...(streams ? { replyMapping: 'legacy' as const } : {}) };
  const pub = new Cluster(
    nodes,
    clusterOptions(urls, `${id}:pub`, {
      // As on a single Redis: while the cluster is away a PUBLISH fails at once, not later. The
      // streams adapter awaits its XADD before delivering even locally: that waits instead, as
      // on a single Redis, and the entry is appended when the slot's owner is back.
      enableOfflineQueue: streams,
      // ...and so does an XADD to a master that stopped, until its replica takes its slots: by
      // default ioredis gives up after 16 tries 100 ms apart ("Too many Cluster redirections",
      // about 2 s), the adapter then delivers the broadcast to its own clients only, and the
      // stream never has it. A failover took about 4 s on the local cluster; this waits ~15 s.
      ...(streams ? STREAMS_FAILOVER_WAIT : {}),
      redisOptions,
    }),
  );
  const sub = new Cluster(
    nodes,
    clusterOptions(urls, `${id}:sub`, {
      shardedSubscribers: adapter === 'sharded',
      redisOptions,
    }),
  );
  quitAfterSubscriptions(sub);
  if (adapter === 'sharded') guardShardedSubscribers(sub);
  const conns: RedisConnections = { pub: pub as unknown as Redis, sub: sub as unknown as Redis };
  if (streams) {
    // A Cluster of its own, as the adapter's duplicate() would make: XREAD BLOCK holds the
    // connection to the stream's node for up to blockTimeInMs, and XADD must not wait behind it.
    const reader = new Cluster(nodes, clusterOptions(urls, `${id}:xread`, { redisOptions }));
    conns.reader = reader as unknown as Redis;
    guardReader(conns.reader);
  }
  return conns;
}

/**
 * A Cluster sends (un)subscribes on connections of their own, and quit() closes those at once,
 * so a stop's UNSUBSCRIBEs would fail with "Connection is closed". Its quit waits for them
 * first, as a single connection does by sending QUIT after them. (quitAll bounds the wait.)
 */
function quitAfterSubscriptions(sub: Cluster): void {
  const pending = new Set<Promise<unknown>>();
  const target = sub as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const command of SUBSCRIBE_COMMANDS) {
    const original = target[command];
    target[command] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      pending.add(result);
      const done = () => pending.delete(result);
      result.then(done, done);
      return result;
    };
  }
  const quit = sub.quit.bind(sub);
  sub.quit = async () => {
    await Promise.allSettled([...pending]);
    return quit();
  };
}

/**
 * ioredis 6 picks the sharded subscriber for an SSUBSCRIBE by the slot's owner in its slot table
 * (`ClusterSubscriberGroup.getResponsibleSubscriber`). A slot nobody owns, as while a stopped
 * master's slots are uncovered, has no entry there, and the lookup throws a TypeError inside a
 * callback: an uncaught exception that ends the whole lab (seen when a node was stopped from the
 * page while a subscription waited in the offline queue). With no owner this answers "none",
 * and ioredis then rejects that one command ("No sharded subscriber for slot"), which the adapter
 * handles; ioredis subscribes again once the slot has an owner.
 */
export function guardShardedSubscribers(cluster: Cluster): void {
  const group = (cluster as unknown as { shardedSubscribers?: ShardedGroup }).shardedSubscribers;
  if (!group) throw new HookMissing({ pkg: 'ioredis', name: 'Cluster#shardedSubscribers' });
  const pick = requireHook(
    group,
    'ioredis',
    'ClusterSubscriberGroup#getResponsibleSubscriber',
  ).getResponsibleSubscriber;
  group.getResponsibleSubscriber = function (slot: number) {
    return group.clusterSlots?.[slot]?.[0] === undefined ? undefined : pick.call(this, slot);
  };
}

interface ShardedGroup {
  clusterSlots?: (string[] | undefined)[];
  getResponsibleSubscriber(slot: number): unknown;
}
