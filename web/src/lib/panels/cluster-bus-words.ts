/**
 * A broadcast on a Redis Cluster, in the inspector's words: the node it landed on, how many bus
 * messages Redis should send for it, and how many the nodes' own counters say it sent, when one
 * broadcast can be told apart (trace/cluster-bus.ts), with whether the two agree.
 */
import { busReach, landingNode, measureBus } from '../../../../trace/cluster-bus.ts';
import { plural } from '../../../../trace/plural.ts';
import type { LabState } from '../../../../trace/state.ts';

export interface BusWords {
  lines: string[];
  /** Measured and expected agree (true), disagree (false), or no measure yet (undefined). */
  agrees?: boolean;
}

export function clusterBusWords(state: LabState, flowId: string): BusWords | undefined {
  const cluster = state.cluster;
  const p = state.flows[flowId]?.publishes[0];
  if (!cluster || !p) return undefined;
  const landing = landingNode(cluster, p);
  const lines = [
    landing
      ? `${p.command} went to ${landing.name}${landing.address ? ` (${landing.address})` : ''}${p.command === 'SPUBLISH' ? ', the owner of its slot' : ''}.`
      : `${p.command} went to a node the trace does not name.`,
  ];
  const reach = landing ? busReach(cluster.nodes, p.command, landing.name) : undefined;
  if (reach) lines.push(`Expected: ${reach.why}.`);
  const m = measureBus(state, flowId);
  if (!m) return { lines };
  if (m.status === 'waiting') {
    lines.push(
      "Measured: waiting for the nodes' next read of their counters (a moment after its reply).",
    );
    return { lines };
  }
  if (m.status === 'unclear') {
    lines.push(`Not measured for this broadcast alone: ${m.reason}.`);
    return { lines };
  }
  const got = m.nodes.filter((n) => n.received > 0).map((n) => `${n.name} got ${n.received}`);
  const sent = m.nodes.filter((n) => n.sent > 0).map((n) => `${n.name} sent ${n.sent}`);
  lines.push(
    `Measured by the nodes' counters: ${plural(m.sent, 'bus message')}${sent.length || got.length ? ` (${[...sent, ...got].join(', ')})` : ''}.`,
  );
  const agrees = reach ? reach.nodes.length === m.sent : undefined;
  if (agrees === false)
    lines.push(
      `The counters say ${m.sent}, not ${reach?.nodes.length}: something else published on the cluster then.`,
    );
  return { lines, agrees };
}
