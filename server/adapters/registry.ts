/**
 * Every adapter mode's server half, keyed by AdapterKind: a mode missing here does not compile.
 * The flag list (flag-specs.ts), the API's setup choices (hub/api-routes.ts) and the servers
 * (server-node.ts) read it; the order is trace/adapter-modes.ts's, which the page and the lesson
 * schema list by.
 */
import type { AdapterKind } from '../../trace/events.ts';
import { ADAPTER_IDS } from '../../trace/adapter-modes.ts';
import { majorVersion } from '../redis-finder.ts';
import type { ServerMode } from './server-mode.ts';
import { noneMode } from './none.ts';
import { redisMode } from './redis.ts';
import { shardedMode } from './sharded.ts';
import { streamsMode } from './streams.ts';

export const SERVER_MODES: { readonly [K in AdapterKind]: ServerMode & { id: K } } = {
  redis: redisMode as ServerMode & { id: 'redis' },
  sharded: shardedMode as ServerMode & { id: 'sharded' },
  streams: streamsMode as ServerMode & { id: 'streams' },
  none: noneMode as ServerMode & { id: 'none' },
};

/** What `--adapter` and `POST /api/lab/setup {adapter}` accept, in list order. */
export const ADAPTERS: readonly AdapterKind[] = ADAPTER_IDS;

export function serverMode(kind: AdapterKind): ServerMode {
  return SERVER_MODES[kind];
}

/**
 * Why this mode cannot run on this Redis, or nothing: too old a version, or a Redis Cluster it
 * is not wired for.
 */
export function modeRefusal(
  kind: AdapterKind,
  version: string,
  cluster: boolean,
): string | undefined {
  const mode = SERVER_MODES[kind];
  if (mode.minRedisMajor && majorVersion(version) < mode.minRedisMajor)
    return `The ${kind} adapter needs Redis ${mode.minRedisMajor} or newer, and this Redis is ${version}; use --adapter redis or a newer Redis.`;
  if (cluster && !mode.cluster) {
    const able = ADAPTERS.filter((k) => SERVER_MODES[k].cluster);
    return `The ${kind} adapter does not run on a Redis Cluster in this lab; use --adapter ${able.join(', ')} with --redis-cluster.`;
  }
  return undefined;
}
