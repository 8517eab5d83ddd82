/**
 * The cluster bus, per broadcast. The nodes report their bus counters (CLUSTER INFO) when they
 * change (the hub reads them about every 150 ms while they move and every second when quiet),
 * summed over everything that happened since their last report, so one broadcast's bus messages
 * can only be told apart when it was alone between two reads: one that ended before it began,
 * and the first that began after its reply. A read that overlapped it (its bus messages half
 * counted) is skipped rather than used: the two around it still hold all of them. If no other
 * publish of the lab touched that span, the counters' difference is that broadcast's and nothing
 * else's; otherwise the page says why it cannot tell. What Redis should do is said beside it: a
 * classic PUBLISH goes over the bus to every other node, an SPUBLISH only to the replicas of its
 * shard (clusterPropagatePublish in Redis's cluster.c).
 */
import type { ClusterNodeStats, ClusterNodesReport } from './events.ts';
import { holdsSlot, keySlot } from './cluster-slots.ts';
import { plural } from './plural.ts';
import {
  CLUSTER_READINGS,
  type ClusterReading,
  type ClusterState,
  type FlowPublish,
  type LabState,
} from './state.ts';

export function onClusterNodes(state: LabState, e: ClusterNodesReport): void {
  const reading: ClusterReading = {
    from: e.readFrom ?? e.t,
    t: e.t,
    bus: Object.fromEntries(e.nodes.map((n) => [n.name, { ...n.bus }])),
  };
  state.cluster = {
    nodes: e.nodes.map((n) => ({ ...n, bus: { ...n.bus } })),
    readings: [...(state.cluster?.readings ?? []), reading].slice(-CLUSTER_READINGS),
  };
}

/** The node a publish went to: the one ioredis named, or for an SPUBLISH the owner of its slot. */
export function landingNode(
  cluster: ClusterState,
  p: Pick<FlowPublish, 'command' | 'channel' | 'node'>,
): ClusterNodeStats | undefined {
  if (p.node) {
    const named = cluster.nodes.find((n) => n.address === p.node);
    if (named) return named;
  }
  if (p.command !== 'SPUBLISH') return undefined;
  const slot = keySlot(p.channel);
  return cluster.nodes.find((n) => n.role === 'master' && holdsSlot(n.slots, slot));
}

/** What busReach needs to know of a node. */
export type BusNode = Pick<ClusterNodeStats, 'name' | 'state' | 'master'>;

/** Where Redis sends a publish over the bus from the node it landed on, and why. */
export function busReach(
  nodes: readonly BusNode[],
  command: FlowPublish['command'],
  landing: string,
): { nodes: string[]; why: string } {
  const others = nodes.filter((n) => n.name !== landing && n.state === 'up');
  if (command === 'PUBLISH')
    return {
      nodes: others.map((n) => n.name),
      why: `a classic PUBLISH goes to every other node: ${plural(others.length, 'bus message')}`,
    };
  const replicas = others.filter((n) => n.master === landing);
  return {
    nodes: replicas.map((n) => n.name),
    why: replicas.length
      ? `an SPUBLISH goes only to its shard's replicas: ${plural(replicas.length, 'bus message')}`
      : 'an SPUBLISH stays on its shard, which has no replica: no bus message',
  };
}

export type BusMeasure =
  | {
      status: 'measured';
      /** Bus messages the nodes sent for it (PUBLISH and SPUBLISH together), and got. */
      sent: number;
      received: number;
      nodes: { name: string; sent: number; received: number }[];
    }
  /** The next read of the counters has not come yet. */
  | { status: 'waiting' }
  | { status: 'unclear'; reason: string };

/** How long a publish may wait for Redis's reply before its bus messages are given up on. */
export const NO_REPLY_MS = 5000;

function ends(p: FlowPublish): number {
  return p.ms === undefined ? Infinity : p.t + p.ms;
}

/**
 * The bus messages of flow `flowId`, from the nodes' counters, when they can be told apart.
 * `now` (the latest event's time unless given) only decides when a publish Redis never
 * answered stops waiting.
 */
export function measureBus(
  state: LabState,
  flowId: string,
  now = state.lastEvent?.t ?? 0,
): BusMeasure | undefined {
  const cluster = state.cluster;
  const flow = state.flows[flowId];
  if (!cluster || !flow || flow.publishes.length === 0) return undefined;
  if (flow.publishes.length > 1)
    return {
      status: 'unclear',
      reason: `it made ${flow.publishes.length} publishes, which the counters count together`,
    };
  if (Object.values(state.mode).includes('sampled'))
    return { status: 'unclear', reason: 'sampled detail: not every publish is in the trace' };
  const p = flow.publishes[0];
  const end = ends(p);
  // Without the reply there is no telling when its bus messages were all sent.
  if (end === Infinity)
    return now - p.t >= NO_REPLY_MS
      ? { status: 'unclear', reason: `Redis did not answer it within ${NO_REPLY_MS / 1000} s` }
      : { status: 'waiting' };
  const readings = cluster.readings;
  let i = readings.length - 1;
  while (i >= 0 && readings[i].t >= p.t) i--;
  if (i < 0) return { status: 'unclear', reason: 'no read of the counters before it is kept' };
  const a = readings[i];
  const b = readings.slice(i + 1).find((r) => r.from > end);
  if (!b) return { status: 'waiting' };
  const others = Object.values(state.flows)
    .flatMap((f) => f.publishes)
    .filter((q) => q !== p && q.t <= b.t && ends(q) >= a.from);
  if (others.length)
    return {
      status: 'unclear',
      reason: `${plural(others.length, 'other publish', 'other publishes')} between the same two reads`,
    };
  const nodes: { name: string; sent: number; received: number }[] = [];
  for (const [name, after] of Object.entries(b.bus)) {
    const before = a.bus[name] ?? {
      publishSent: 0,
      publishReceived: 0,
      shardSent: 0,
      shardReceived: 0,
    };
    const sent = after.publishSent - before.publishSent + after.shardSent - before.shardSent;
    const received =
      after.publishReceived - before.publishReceived + after.shardReceived - before.shardReceived;
    if (sent < 0 || received < 0)
      return { status: 'unclear', reason: `${name} restarted between the two reads` };
    nodes.push({ name, sent, received });
  }
  const sum = (k: 'sent' | 'received') => nodes.reduce((s, n) => s + n[k], 0);
  return { status: 'measured', sent: sum('sent'), received: sum('received'), nodes };
}
