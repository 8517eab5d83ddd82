/**
 * The cluster bench's figures. Bus messages per broadcast come from the nodes' own CLUSTER INFO
 * counters, summed over the nodes, read before a program's turn and after it (once every
 * message of the turn has been counted where it landed), divided by the broadcasts of the turn.
 * Throughput ratios are paired within a round (both programs ran seconds apart, under the same
 * weather) and summarized as the median over the rounds, with a 95% bootstrap interval.
 */
import type { BusCounters } from '../server/redis-cluster/node-stats.ts';
import { bootstrap, median, type Interval } from './bench-stats.ts';

export type ClusterProgram = 'classic' | 'sharded';

/** One program's turn in one round. */
export interface ClusterTurn {
  round: number;
  program: ClusterProgram;
  /** Broadcasts whose every member got it, per second of the measured stretch. */
  broadcastsPerSecond: number;
  /** Broadcasts sent in the whole turn (warm-up included), and the bus messages they made. */
  broadcasts: number;
  busPublish: number;
  busShard: number;
  /** Deliveries that never came (0 unless something is wrong). */
  missing: number;
}

/** The nodes' counters added up: what the whole cluster sent and received over its bus. */
export function sumBus(nodes: BusCounters[]): BusCounters {
  const total = { publishSent: 0, publishReceived: 0, shardSent: 0, shardReceived: 0 };
  for (const n of nodes)
    for (const k of Object.keys(total) as (keyof BusCounters)[]) total[k] += n[k];
  return total;
}

/** True once every bus message sent has been counted by the node it went to. */
export function busSettled(total: BusCounters): boolean {
  return total.publishSent === total.publishReceived && total.shardSent === total.shardReceived;
}

/** Bus messages sent between two sums, for PUBLISH and for SPUBLISH. */
export function busSent(before: BusCounters, after: BusCounters) {
  return {
    publish: after.publishSent - before.publishSent,
    shard: after.shardSent - before.shardSent,
  };
}

/** Bus messages of both kinds per broadcast; NaN when the turn sent nothing. */
export function busPerBroadcast(t: Pick<ClusterTurn, 'broadcasts' | 'busPublish' | 'busShard'>) {
  return t.broadcasts > 0 ? (t.busPublish + t.busShard) / t.broadcasts : NaN;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

export interface ClusterSummary {
  programs: {
    program: ClusterProgram;
    /** Medians over the rounds. */
    broadcastsPerSecond: number;
    busPerBroadcast: number;
    missing: number;
  }[];
  /** sharded / classic broadcasts per second, paired per round. */
  ratio: Interval;
  rounds: number;
}

export function summarizeCluster(turns: ClusterTurn[]): ClusterSummary {
  const programs = (['classic', 'sharded'] as const).map((program) => {
    const own = turns.filter((t) => t.program === program);
    return {
      program,
      broadcastsPerSecond: Math.round(median(own.map((t) => t.broadcastsPerSecond))),
      busPerBroadcast: r3(median(own.map(busPerBroadcast))),
      missing: own.reduce((n, t) => n + t.missing, 0),
    };
  });
  const pairs = turns
    .filter((t) => t.program === 'sharded')
    .flatMap((s) => {
      const c = turns.find((t) => t.program === 'classic' && t.round === s.round);
      return c ? [s.broadcastsPerSecond / c.broadcastsPerSecond] : [];
    });
  const ratio = bootstrap(pairs, median);
  return {
    programs,
    ratio: { estimate: r3(ratio.estimate), low: r3(ratio.low), high: r3(ratio.high) },
    rounds: pairs.length,
  };
}
