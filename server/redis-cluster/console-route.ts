/**
 * Where the Redis console sends a command when the lab runs on a Redis Cluster. The console
 * speaks raw RESP to show Redis's frames as they are, so it does what a cluster client does by
 * hand: a shard command (SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE of a channel, PUBSUB SHARDNUMSUB of a
 * channel) goes to the master that owns the channel's slot, as it must (any other node answers
 * MOVED); every other command goes to one home node, the first master that is up, which is
 * enough because every node hears every classic PUBLISH over the cluster bus. An UNSUBSCRIBE of
 * everything goes to each node the connection holds subscriptions of that kind on.
 */
import { holdsSlot, keySlot } from '../../trace/cluster-slots.ts';
import type { ClusterNodeInfo } from '../../trace/lab-info.ts';
import { LabError } from '../lab-error.ts';
import type { LabCluster } from './lab-cluster.ts';

export type RouteNode = Pick<ClusterNodeInfo, 'name' | 'role' | 'slots' | 'state'>;

const SHARD_COMMANDS = new Set(['SSUBSCRIBE', 'SPUBLISH', 'SUNSUBSCRIBE']);
/** The (un)subscribe commands with no names: they undo every subscription of their kind. */
const UNDO_ALL: Record<string, 'channels' | 'patterns' | 'shards'> = {
  UNSUBSCRIBE: 'channels',
  PUNSUBSCRIBE: 'patterns',
  SUNSUBSCRIBE: 'shards',
};

/** The channel whose slot decides the node, when the command has one. */
function shardChannel(command: string, args: string[]): string | undefined {
  if (SHARD_COMMANDS.has(command)) return args[0];
  if (command === 'PUBSUB' && args[0]?.toUpperCase() === 'SHARDNUMSUB') return args[1];
  return undefined;
}

/**
 * The names of the nodes to send the command to. `holding(kind)` names the nodes where the
 * console connection holds subscriptions of that kind now.
 */
export function consoleRoute(
  command: string,
  args: string[],
  nodes: readonly RouteNode[],
  holding: (kind: 'channels' | 'patterns' | 'shards') => string[],
): string[] {
  if (UNDO_ALL[command] && args.length === 0) {
    const held = holding(UNDO_ALL[command]);
    if (held.length) return held;
  }
  const channel = shardChannel(command, args);
  if (channel !== undefined) {
    const slot = keySlot(channel);
    const owner = nodes.find((n) => n.role === 'master' && holdsSlot(n.slots, slot));
    if (!owner)
      throw new LabError(409, `No master of the cluster owns slot ${slot} (${channel}) now.`);
    if (owner.state === 'down')
      throw new LabError(
        409,
        `${channel} is in slot ${slot}, which ${owner.name} owns, and ${owner.name} is down: its shard channels are out of reach until it is back or a replica takes over.`,
      );
    return [owner.name];
  }
  const home = nodes.find((n) => n.role === 'master' && n.state === 'up');
  if (!home) throw new LabError(409, 'No master of the Redis Cluster is up.');
  return [home.name];
}

/** The cluster's nodes with URLs to log in with: GET /api/lab's URLs have no password. */
export function consoleNodes(cluster: LabCluster): (RouteNode & { url: string })[] {
  const password = cluster.urls.map((u) => new URL(u)).find((u) => u.password);
  return cluster.nodes().map((n) => {
    const url = new URL(n.url);
    if (password) {
      url.username = password.username;
      url.password = password.password;
    }
    return { ...n, url: url.toString() };
  });
}
