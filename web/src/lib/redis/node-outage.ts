/**
 * What a stopped Redis Cluster node takes away, from its last report before it went down (a down
 * node keeps its last channels in the `cluster.nodes` report; the stage draws it empty). Sharded:
 * the shard channels whose slot it owned reach no one, so the clients those channels serve (every
 * client of the namespace for `socket.io#/#`, a room's members for `socket.io#/#room#`) miss
 * broadcasts. Classic: every node gets every PUBLISH over the bus, so what breaks is the servers
 * whose subscriber connection sat on the node: their clients miss the other servers' broadcasts
 * until ioredis subscribes again on another node (its cluster subscriber picks a node at random
 * when its connection ends), which the next report of that node shows.
 */
import type { AdapterKind, ClusterNodeStats } from '../../../../trace/events.ts';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import { subscriberOf } from './cluster-scene.ts';

export interface NodeOutage {
  /** The slots nobody serves while it is down (a master's), e.g. "10923-16383". */
  slots: string;
  /**
   * Sharded: the shard channels that lived on it. Classic: the channels subscribed on it, while a
   * server's subscriber connection is still cut off there.
   */
  channels: string[];
  /** The servers that lose broadcasts: their subscriptions sat on it. */
  servers: string[];
  /** The clients (ids) that miss broadcasts while it is down. */
  clients: string[];
}

type Client = Pick<LabInfo['clients'][number], 'id' | 'server' | 'rooms' | 'nsp' | 'state'>;

/** `socket.io#/#` -> { nsp: '/' }; `socket.io#/#blue#` -> { nsp: '/', room: 'blue' }. */
function adapterChannel(key: string, channel: string): { nsp: string; room?: string } | null {
  if (!channel.startsWith(`${key}#`) || !channel.endsWith('#')) return null;
  const rest = channel.slice(key.length + 1, -1);
  const cut = rest.indexOf('#');
  return cut < 0 ? { nsp: rest } : { nsp: rest.slice(0, cut), room: rest.slice(cut + 1) };
}

/** `node` is the last report of the node, with `slots` as the cluster says now. */
export function nodeOutage(
  adapter: AdapterKind,
  key: string,
  node: ClusterNodeStats,
  clients: readonly Client[],
  /** Every node's latest report: a subscriber connection seen again on a node that is up is back. */
  nodes: readonly ClusterNodeStats[] = [],
): NodeOutage {
  const live = clients.filter((c) => c.state === 'connected');
  if (adapter === 'sharded') {
    // No slots now (a replica, or a master whose replica took over): its shard channels are
    // served elsewhere, and ioredis moved the subscriptions there.
    if (!node.slots) return { slots: '', channels: [], servers: [], clients: [] };
    const channels = node.shardChannels.map((c) => c.channel);
    const served = channels.flatMap((c) => adapterChannel(key, c) ?? []);
    const hit = live.filter((c) =>
      served.some((s) => s.nsp === (c.nsp ?? '/') && (!s.room || c.rooms.includes(s.room))),
    );
    return {
      slots: node.slots,
      channels,
      servers: [...new Set(hit.map((c) => c.server))].sort(),
      clients: hit.map((c) => c.id),
    };
  }
  const subscribers = (n: ClusterNodeStats) => n.clients.flatMap((c) => subscriberOf(c) ?? []);
  const back = new Set(nodes.filter((n) => n.state === 'up').flatMap(subscribers));
  const servers = [...new Set(subscribers(node))].filter((s) => !back.has(s)).sort();
  return {
    slots: node.slots,
    // A classic channel has no home node: its subscriptions moved with the subscriber connection.
    channels: servers.length ? node.channels : [],
    servers,
    clients: live.filter((c) => servers.includes(c.server)).map((c) => c.id),
  };
}
