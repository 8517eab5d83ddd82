/**
 * What one node of the cluster says of itself, read on the lab's watch connection: the cluster
 * bus counters for PUBLISH and SPUBLISH (CLUSTER INFO), the channels and shard channels
 * subscribed on it (PUBSUB CHANNELS, PUBSUB SHARDCHANNELS, each shard channel with its CLUSTER
 * KEYSLOT), its connections' names (CLIENT LIST), and with the streams adapter the stream's length
 * if the node owns it (XLEN). None of these publishes or writes anything.
 */
import type { ClusterNodeStats } from '../../trace/events.ts';
import { parseClusterInfo } from './cluster-replies.ts';

type Ask = (...args: string[]) => Promise<unknown>;

export type BusCounters = ClusterNodeStats['bus'];

export const NO_BUS: BusCounters = {
  publishSent: 0,
  publishReceived: 0,
  shardSent: 0,
  shardReceived: 0,
};

export function busCounters(clusterInfo: string): BusCounters {
  const info = parseClusterInfo(clusterInfo);
  const n = (key: string) => Number(info[`cluster_stats_messages_${key}`] ?? 0);
  return {
    publishSent: n('publish_sent'),
    publishReceived: n('publish_received'),
    shardSent: n('publishshard_sent'),
    shardReceived: n('publishshard_received'),
  };
}

/** The lab's own watch and probe connections are left out: they are not the adapters'. */
function clientNames(list: string): string[] {
  return list
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name && !name.startsWith('lab:'))
    .sort();
}

export class SlotCache {
  private readonly slots = new Map<string, number>();

  /** A channel's slot never changes, so each is asked once (CLUSTER KEYSLOT). */
  async slotOf(ask: Ask, channel: string): Promise<number> {
    let slot = this.slots.get(channel);
    if (slot === undefined) {
      slot = Number(await ask('CLUSTER', 'KEYSLOT', channel));
      if (this.slots.size > 10_000) this.slots.clear();
      this.slots.set(channel, slot);
    }
    return slot;
  }
}

/**
 * The streams among `keys` that this node holds: a node answers XLEN only for a key whose slot it
 * owns (a replica or another master answers MOVED), so the owner is what the cluster says.
 */
async function streamsHeld(ask: Ask, slots: SlotCache, keys: readonly string[]) {
  const held = await Promise.all(
    keys.map(async (key) => {
      const length = await ask('XLEN', key).then(Number, (err: Error) => {
        if (/^MOVED /.test(err.message)) return undefined;
        throw err;
      });
      return length === undefined ? [] : [{ key, slot: await slots.slotOf(ask, key), length }];
    }),
  );
  return held.flat();
}

export type NodeStats = Pick<
  ClusterNodeStats,
  'bus' | 'channels' | 'shardChannels' | 'clients' | 'streams'
>;

/** Rejects when the node does not answer. `streams`: the stream keys to look for (streams adapter). */
export async function readNodeStats(
  ask: Ask,
  slots: SlotCache,
  streams: readonly string[] = [],
): Promise<NodeStats> {
  const [info, channels, shardChannels, clients, held] = await Promise.all([
    ask('CLUSTER', 'INFO'),
    ask('PUBSUB', 'CHANNELS'),
    ask('PUBSUB', 'SHARDCHANNELS'),
    ask('CLIENT', 'LIST'),
    streamsHeld(ask, slots, streams),
  ]);
  const shard = (shardChannels as unknown[]).map(String).sort();
  return {
    bus: busCounters(String(info)),
    channels: (channels as unknown[]).map(String).sort(),
    shardChannels: await Promise.all(
      shard.map(async (channel) => ({ channel, slot: await slots.slotOf(ask, channel) })),
    ),
    clients: clientNames(String(clients)),
    ...(held.length ? { streams: held } : {}),
  };
}
