/**
 * Redis as a Redis Cluster's nodes (`--redis-cluster`): one node per redis-server, masters first,
 * each with its slot range, the channels and shard channels subscribed on it, and its cluster bus
 * counters, all as the nodes report themselves (the `cluster.nodes` event; docs/cluster.md).
 * The adapter mode decides who listens where: a classic server's subscriptions all sit on the one
 * node its subscriber connection picked (CLIENT LIST names it `ioredis-cluster(subscriber):s1:sub`);
 * a sharded server SSUBSCRIBEs each channel on the node that owns the channel's slot.
 */
import type { AdapterKind, ClusterNodeStats } from '../../../../trace/events.ts';
import { plural } from '../../../../trace/plural.ts';
import type { RedisNodeSpec, SceneInput, SubscriptionIndex } from './redis-scene.ts';

/** `ioredis-cluster(subscriber):s1:sub@k3f9` -> s1: the connection a Cluster subscribes on. */
export function subscriberOf(name: string): string | undefined {
  return /^ioredis-cluster\(s?subscriber\):(.+):sub(?:@.*)?$/.exec(name)?.[1];
}

/** `PUBLISH bus: 2 out, 0 in`: the node's bus messages for one command, sent and received since it started. */
function busLine(command: 'PUBLISH' | 'SPUBLISH', sent: number, got: number): string {
  return `${command} bus: ${sent} out, ${got} in`;
}

/** One line of names, the rest counted: `socket.io-request#/#, +3`. */
function listed(what: string, names: readonly string[]): string {
  if (!names.length) return `${what}: none`;
  return names.length === 1 ? `${what}: ${names[0]}` : `${what}: ${names[0]} +${names.length - 1}`;
}

export function clusterNodes(
  adapter: AdapterKind,
  nodes: readonly ClusterNodeStats[],
  input: SceneInput,
  subs: SubscriptionIndex,
): RedisNodeSpec[] {
  const servers = new Set(input.servers.map((s) => s.id));
  return nodes.map((n) => {
    // A node that is down holds nothing any more: its last report's channels are gone with it.
    const down = n.state === 'down';
    const held = down ? { ...n, channels: [], shardChannels: [], clients: [] } : n;
    const shard = held.shardChannels.map((c) => c.channel);
    const names = [...held.channels, ...shard];
    // Classic: the servers whose subscriber connection is here. Sharded: the servers the trace
    // saw SSUBSCRIBE a channel that lives here.
    const here =
      adapter === 'sharded'
        ? subs.of('shardChannels', shard).subscribers
        : held.clients.flatMap((c) => {
            const s = subscriberOf(c);
            return s && servers.has(s) ? [s] : [];
          });
    const order = input.servers.map((s) => s.id).filter((id) => here.includes(id));
    const role =
      n.role === 'master' ? `master ${n.slots || 'no slots'}` : `replica of ${n.master ?? '?'}`;
    const b = n.bus;
    // The mode's own command always; the other one only when the node counted some.
    const details = [
      ...(adapter !== 'sharded' || b.publishSent + b.publishReceived > 0
        ? [busLine('PUBLISH', b.publishSent, b.publishReceived)]
        : []),
      ...(adapter === 'sharded' || b.shardSent + b.shardReceived > 0
        ? [busLine('SPUBLISH', b.shardSent, b.shardReceived)]
        : []),
    ];
    if (n.role === 'master' || names.length) {
      if (adapter !== 'sharded' || held.channels.length)
        details.push(listed(plural(held.channels.length, 'channel'), held.channels));
      if (adapter === 'sharded' || shard.length)
        details.push(
          listed(
            plural(shard.length, 'shard channel'),
            held.shardChannels.map((c) => `${c.channel} (slot ${c.slot})`),
          ),
        );
    }
    const verb = adapter === 'sharded' ? 'SSUBSCRIBE' : 'subscribe';
    return {
      id: `node:${n.name}`,
      kind: 'node',
      name: n.name,
      label: `${n.name} · ${role}${down ? ' ✕ down' : ''}`,
      role: 'broadcast',
      caption: order.length
        ? `${order.join(', ')} ${order.length === 1 ? `${verb}s` : verb} here`
        : `no server ${verb}s here`,
      details,
      subscribers: order,
      assumed: [],
      others: [],
      names,
      target: false,
      plumbing: false,
      cluster: {
        address: n.address,
        role: n.role,
        master: n.master,
        slots: n.slots,
        state: n.state,
      },
    };
  });
}
