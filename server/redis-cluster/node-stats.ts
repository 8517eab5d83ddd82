/**
 * What one node of the cluster says of itself, read on the lab's watch connection: the cluster
 * bus counters for PUBLISH and SPUBLISH (CLUSTER INFO), the channels and shard channels
 * subscribed on it (PUBSUB CHANNELS, PUBSUB SHARDCHANNELS, each shard channel with its CLUSTER
 * KEYSLOT), and its connections' names (CLIENT LIST). None of these publishes anything.
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

/** Rejects when the node does not answer. */
export async function readNodeStats(
  ask: Ask,
  slots: SlotCache,
): Promise<Pick<ClusterNodeStats, 'bus' | 'channels' | 'shardChannels' | 'clients'>> {
  const [info, channels, shardChannels, clients] = await Promise.all([
    ask('CLUSTER', 'INFO'),
    ask('PUBSUB', 'CHANNELS'),
    ask('PUBSUB', 'SHARDCHANNELS'),
    ask('CLIENT', 'LIST'),
  ]);
  const shard = (shardChannels as unknown[]).map(String).sort();
  return {
    bus: busCounters(String(info)),
    channels: (channels as unknown[]).map(String).sort(),
    shardChannels: await Promise.all(
      shard.map(async (channel) => ({ channel, slot: await slots.slotOf(ask, channel) })),
    ),
    clients: clientNames(String(clients)),
  };
}
