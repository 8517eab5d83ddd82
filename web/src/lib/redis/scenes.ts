/**
 * The registry of adapter modes as the stage draws them (on a Redis Cluster, as the cluster's
 * nodes: cluster-scene.ts), and how a hop finds its node: a
 * PUBLISH lands on the node that stands for its channel; a message leaves Redis from the pattern
 * that matched it, or else from its channel's node.
 */
import { ADAPTER_MODES } from '../../../../trace/adapter-modes.ts';
import type { AdapterKind } from '../../../../trace/events.ts';
import { classicScene } from './classic-scene.ts';
import { clusterNodes } from './cluster-scene.ts';
import { noAdapterScene } from './no-adapter-scene.ts';
import {
  leftovers,
  monitorNode,
  SubscriptionIndex,
  type AdapterScene,
  type RedisNodeSpec,
  type RedisScene,
  type SceneInput,
} from './redis-scene.ts';
import { shardedScene } from './sharded-scene.ts';
import { streamsScene } from './streams-scene.ts';

/** One entry per adapter mode: a new mode that is not drawn here does not compile. */
export const SCENES: Record<AdapterKind, AdapterScene> = {
  redis: classicScene,
  sharded: shardedScene,
  streams: streamsScene,
  none: noAdapterScene,
};

export function describeRedis(adapter: AdapterKind, input: SceneInput): RedisScene {
  const mode = SCENES[adapter];
  const subs = new SubscriptionIndex(input, (s) => mode.expected(s, input));
  // On a Redis Cluster the nodes are the cluster's; the lab's own channels are on its plain Redis.
  if (input.cluster?.length && adapter !== 'none')
    return {
      adapter,
      title: 'Redis Cluster',
      publish: ADAPTER_MODES[adapter].carrier,
      nodes: clusterNodes(adapter, input.cluster, input, subs),
    };
  const nodes = mode.nodes(input, subs);
  const all = [...nodes, ...leftovers(input, subs, nodes)];
  return {
    adapter,
    title: 'Redis',
    publish: ADAPTER_MODES[adapter].carrier,
    nodes: [...all, ...monitorNode(input, all)],
    note: mode.note,
  };
}

/** The node a PUBLISH or SPUBLISH on `channel` lands on. */
export function targetNode(scene: RedisScene, channel: string): RedisNodeSpec | undefined {
  return scene.nodes.find((n) => n.names.includes(channel));
}

/** The node a message on `channel` leaves Redis from: the pattern that matched it, or its channel. */
export function sourceNode(
  scene: RedisScene,
  channel: string,
  pattern?: string,
): RedisNodeSpec | undefined {
  if (pattern) {
    const p = scene.nodes.find((n) => n.kind === 'pattern' && n.name === pattern);
    if (p) return p;
  }
  return targetNode(scene, channel);
}
