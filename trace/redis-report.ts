/**
 * Redis's own account of its subscriptions (`redis.pubsub`, read by the hub with PUBSUB and
 * CLIENT LIST) beside the trace's tables. The tables name the connections the lab's servers
 * reported subscribing; Redis counts every subscriber, a script's or a phone's outside the lab
 * included, but says who only as a count per connection. Together they give the stage its
 * channels and who listens on them, whenever the page was opened.
 */
import type { PubsubClient, RedisPubsub } from './events.ts';
import type { LabState, RedisState } from './state.ts';

type Table = 'channels' | 'shardChannels';

export function onRedisPubsub(state: LabState, e: RedisPubsub): void {
  state.redis.reported = {
    t: e.t,
    channels: { ...e.channels },
    shardChannels: { ...e.shardChannels },
    patterns: e.patterns,
    clients: e.clients.map((c) => ({ ...c })),
  };
  // Redis answered, so it is up (a page opened late may have missed its connects).
  if (state.redis.state === 'unknown') state.redis.state = 'up';
}

/** How a connection Redis lists is shown: its name, or its CLIENT ID when it has none. */
export function pubsubLabel(c: PubsubClient): string {
  return c.name || `client ${c.id}`;
}

function countOf(c: PubsubClient, table: Table): number {
  return table === 'channels' ? c.sub : c.ssub;
}

/** On how many channels of `table` the trace names connection `name`. */
function tracedCount(redis: RedisState, table: Table, name: string): number {
  let n = 0;
  for (const names of Object.values(redis[table])) if (names.includes(name)) n += 1;
  return n;
}

/**
 * The names of `channel`'s subscribers the trace does not know: Redis counts more than the table
 * names. When a single connection Redis lists could be the one, it is named; otherwise they are
 * `unseen 1`, `unseen 2`... (Redis does not say which connection holds which channel).
 */
export function unseenSubscribers(redis: RedisState, table: Table, channel: string): string[] {
  const report = redis.reported;
  if (!report) return [];
  const count = report[table][channel] ?? 0;
  const known = redis[table][channel] ?? [];
  // The lab's plumbing says where it listens: named on its channel, never a candidate elsewhere.
  const plumbing = report.clients
    .filter((c) => table === 'channels' && c.channels?.includes(channel))
    .map(pubsubLabel)
    .filter((name) => !known.includes(name));
  const missing = count - known.length - plumbing.length;
  if (missing <= 0) return plumbing;
  // A connection the trace already names on as many channels as Redis counts for it is not one.
  const candidates = report.clients.filter(
    (c) =>
      !c.channels &&
      !known.includes(pubsubLabel(c)) &&
      countOf(c, table) > tracedCount(redis, table, pubsubLabel(c)),
  );
  if (missing === 1 && candidates.length === 1) return [...plumbing, pubsubLabel(candidates[0])];
  return [...plumbing, ...Array.from({ length: missing }, (_, i) => `unseen ${i + 1}`)];
}

/**
 * The trace's channel tables with Redis's report folded in: every channel Redis counts a
 * subscriber on, each with the connections the trace names plus the ones it does not.
 * Patterns stay the trace's: Redis counts them (NUMPAT) but does not name them.
 */
export function subscriptionsWithReport(
  redis: RedisState,
): Pick<RedisState, 'channels' | 'patterns' | 'shardChannels'> {
  if (!redis.reported) return redis;
  const merge = (table: Table): Record<string, string[]> => {
    const out: Record<string, string[]> = { ...redis[table] };
    for (const channel of Object.keys(redis.reported?.[table] ?? {})) {
      const unseen = unseenSubscribers(redis, table, channel);
      if (unseen.length) out[channel] = [...(redis[table][channel] ?? []), ...unseen];
    }
    return out;
  };
  return {
    channels: merge('channels'),
    patterns: redis.patterns,
    shardChannels: merge('shardChannels'),
  };
}
