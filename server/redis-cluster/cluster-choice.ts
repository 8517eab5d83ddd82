/**
 * What `--redis-cluster` means, and what refuses it. The cluster carries the adapters' traffic;
 * the lab's own channels (the monitor, the roster) stay on the lab's ordinary Redis, so that the
 * cluster's counters count the adapter alone. That Redis must be a real one: the embedded
 * broker is no Redis Cluster node and the lab does not pretend it is.
 */
import type { RedisChoice } from '../redis-finder.ts';

export const BROKER_HAS_NO_CLUSTER =
  'The embedded broker does not do Redis Cluster: for --redis-cluster install redis-server 7 or newer ("sudo apt-get install redis-server" on Debian/Ubuntu, "brew install redis" on macOS) and run the lab without --broker, or give a Redis for the lab\'s own channels with --redis URL.';

/** The sentence that refuses this pair, or null when the lab can run on it. */
export function clusterRefusal(redis: RedisChoice, withCluster: boolean): string | null {
  return withCluster && redis.kind === 'embedded' ? BROKER_HAS_NO_CLUSTER : null;
}

const LOCAL_WORDS = ['local', '1', 'true', 'yes', 'on'];

/**
 * The flag's value: empty or `local` (or 1, true, yes, on) for a cluster the lab starts, else node URLs separated by
 * commas or spaces (any one node will do: the others are found with CLUSTER NODES).
 */
export function parseClusterSpec(value: string): { urls: string[] } | { local: true } {
  const words = value.split(/[\s,]+/).filter(Boolean);
  // LAB_REDIS_CLUSTER=1 (or true, yes, on) reads as the flag alone.
  if (words.length === 0 || (words.length === 1 && LOCAL_WORDS.includes(words[0].toLowerCase())))
    return { local: true };
  for (const word of words) {
    if (!isRedisUrl(word))
      throw new Error(
        `--redis-cluster takes node URLs like redis://127.0.0.1:7001,redis://127.0.0.1:7002 (or nothing, for a local cluster), not "${word}".`,
      );
  }
  return { urls: words };
}

function isRedisUrl(word: string): boolean {
  try {
    const url = new URL(word);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}
