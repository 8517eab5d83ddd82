/**
 * A hop on a Redis Cluster: a publish lands on the node ioredis sent it to (the publish event
 * names it; an SPUBLISH's is also the owner of its channel's slot), Redis carries it over the
 * cluster bus to the nodes trace/cluster-bus.ts says (every other node for a classic PUBLISH,
 * only the shard's replicas for an SPUBLISH), and each server's copy leaves from the node its
 * subscription is on. Pure, like hop-animation.ts, which calls it.
 */
import { busReach } from '../../../../trace/cluster-bus.ts';
import { holdsSlot, keySlot } from '../../../../trace/cluster-slots.ts';
import { plural } from '../../../../trace/plural.ts';
import { still, type Curve, type Point } from './curves.ts';
import type { NodeBox, StageLayout } from './stage-layout.ts';

/** True when the stage draws Redis as a cluster's nodes. */
export function onCluster(layout: StageLayout): boolean {
  return layout.redis.bus !== undefined || layout.redis.nodes.some((n) => n.spec.kind === 'node');
}

/** The node that owns `channel`'s slot. */
function ownerOf(layout: StageLayout, channel: string): NodeBox | undefined {
  const slot = keySlot(channel);
  return layout.redis.nodes.find(
    (n) => n.spec.cluster?.role === 'master' && holdsSlot(n.spec.cluster.slots, slot),
  );
}

/** The node a PUBLISH or SPUBLISH went to, when the trace says or the slot tells. */
export function landingBox(
  layout: StageLayout,
  p: { command: 'PUBLISH' | 'SPUBLISH' | 'XADD'; channel: string; node?: string },
): NodeBox | undefined {
  const named = p.node && layout.redis.nodes.find((n) => n.spec.cluster?.address === p.node);
  if (named) return named;
  // An SPUBLISH goes to its channel's slot owner, an XADD to its stream key's.
  return p.command !== 'PUBLISH' ? ownerOf(layout, p.channel) : undefined;
}

/** From one node to another along the bus on the right of the nodes. */
function busCurve(layout: StageLayout, from: NodeBox, to: NodeBox): Curve {
  const x = layout.redis.bus?.x ?? from.right.x + layout.font;
  return { from: from.right, c1: { x, y: from.right.y }, c2: { x, y: to.right.y }, to: to.right };
}

export interface BusLeg {
  curve: Curve;
  edge: string;
  label?: string;
  labelAt?: Point;
}

/** The bus messages Redis sends for a publish that landed on `landing`: one curve each, or a still mark saying none. */
export function busLegs(
  layout: StageLayout,
  command: 'PUBLISH' | 'SPUBLISH',
  landing: NodeBox,
): BusLeg[] {
  const nodes = layout.redis.nodes.flatMap((n) =>
    n.spec.cluster ? [{ name: n.spec.name, box: n, ...n.spec.cluster }] : [],
  );
  const reach = busReach(nodes, command, landing.spec.name);
  // The count stands still above the node it left from, so it reads whatever the pace.
  const labelAt = { x: landing.x + landing.w / 2, y: landing.y - 0.1 * layout.font };
  if (!reach.nodes.length)
    return [
      {
        curve: still(landing.right),
        edge: `node:${landing.spec.name}`,
        label: `stays on ${landing.spec.name}: no bus message`,
        labelAt,
      },
    ];
  return reach.nodes.flatMap((name, i) => {
    const to = nodes.find((n) => n.name === name)?.box;
    if (!to) return [];
    return [
      {
        curve: busCurve(layout, landing, to),
        edge: `bus:${landing.spec.name}>${name}`,
        ...(i === 0
          ? { label: `cluster bus · ${plural(reach.nodes.length, 'message')}`, labelAt }
          : {}),
      },
    ];
  });
}

/**
 * Where a server's copy leaves the cluster: an XREAD's entry from the node that holds the stream;
 * an smessage from the owner of its channel's slot; a message or pmessage from the node the
 * server's subscriber connection is on.
 */
export function clusterSource(
  layout: StageLayout,
  server: string,
  channel: string,
  via: 'message' | 'pmessage' | 'smessage' | 'xread',
): NodeBox | undefined {
  // An XREAD reads the stream on the node that holds it (the scene put the stream's name there).
  if (via === 'xread')
    return (
      layout.redis.nodes.find((n) => n.spec.names.includes(channel)) ?? ownerOf(layout, channel)
    );
  if (via === 'smessage') return ownerOf(layout, channel);
  return layout.redis.nodes.find((n) => n.spec.subscribers.includes(server));
}
