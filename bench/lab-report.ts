/**
 * The lab bench's figures: every ratio is taken within a round (both programs ran seconds apart,
 * under the same weather) and summarized as the median over the rounds, with a 95% bootstrap
 * interval over the rounds. The goals are issue 15's.
 */
import { bootstrap, median, percentile, type Interval } from './bench-stats.ts';
import type { SetupName } from './setups.ts';

export interface Window {
  clients: number;
  round: number;
  setup: SetupName;
  seconds: number;
  deliveries: number;
  broadcastsPerSecond: number;
  cpuMicrosPerDelivery: number;
  userMicrosPerDelivery: number;
  systemMicrosPerDelivery: number;
  programPercentOfCore: number;
  driverPercentOfCore: number;
  machinePercentBusy: number;
  rssMiB: number;
  load1: number;
  /** Deliveries that never came (0 unless something is wrong). */
  missing: number;
}

export interface Latencies {
  clients: number;
  round: number;
  setup: SetupName;
  ms: number[];
  /** The program's CPU time for each broadcast sent at 50/s (µs; absent in older results). */
  cpuMicrosPerBroadcast?: number;
}

/** Server CPU per delivery, against the base program's: at most this much (issue 15). */
const CPU_GOALS: Partial<Record<SetupName, number>> = { off: 1.02, on: 1.05 };
const P99_GOAL = 1.5;

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const rounded = (i: Interval): Interval => ({
  estimate: r3(i.estimate),
  low: r3(i.low),
  high: r3(i.high),
});
const show = (i: Interval) =>
  `${i.estimate.toFixed(3)} [${i.low.toFixed(3)}, ${i.high.toFixed(3)}]`;

/** The strict rule: met when the whole interval is under the goal, MISSED when it is all over. */
export function verdict(i: Interval, goal: number): 'met' | 'MISSED' | 'not settled' {
  if (i.high <= goal) return 'met';
  if (i.low > goal) return 'MISSED';
  return 'not settled';
}

function compare(
  windows: Window[],
  latencies: Latencies[],
  clients: number,
  setup: SetupName,
  base: SetupName,
) {
  const pairs: { a: Window; b: Window }[] = [];
  const latencyPairs: { a: number[]; b: number[] }[] = [];
  const at50Pairs: { a: number; b: number }[] = [];
  for (const a of windows.filter((w) => w.clients === clients && w.setup === setup)) {
    const b = windows.find((w) => w.clients === clients && w.setup === base && w.round === a.round);
    if (b) pairs.push({ a, b });
    const la = latencies.find(
      (l) => l.clients === clients && l.setup === setup && l.round === a.round,
    );
    const lb = latencies.find(
      (l) => l.clients === clients && l.setup === base && l.round === a.round,
    );
    if (la && lb) latencyPairs.push({ a: la.ms, b: lb.ms });
    if (la?.cpuMicrosPerBroadcast && lb?.cpuMicrosPerBroadcast)
      at50Pairs.push({ a: la.cpuMicrosPerBroadcast, b: lb.cpuMicrosPerBroadcast });
  }
  const medianRatio = (key: 'cpuMicrosPerDelivery' | 'broadcastsPerSecond') => (s: typeof pairs) =>
    median(s.map((p) => p.a[key] / p.b[key]));
  const p99 = (side: 'a' | 'b', s: typeof latencyPairs) =>
    percentile(
      s.flatMap((p) => p[side]),
      99,
    );
  return {
    setup,
    base,
    rounds: pairs.length,
    cpuPerDelivery: rounded(bootstrap(pairs, medianRatio('cpuMicrosPerDelivery'))),
    throughput: rounded(bootstrap(pairs, medianRatio('broadcastsPerSecond'))),
    // Fewer resamples: each one sorts every latency of the rounds drawn.
    latencyP99: rounded(bootstrap(latencyPairs, (s) => p99('a', s) / p99('b', s), 1000)),
    cpuPerBroadcastAt50: at50Pairs.length
      ? rounded(bootstrap(at50Pairs, (s) => median(s.map((p) => p.a / p.b))))
      : undefined,
    cpuGoal: base === 'plain' ? CPU_GOALS[setup] : undefined,
  };
}

/** What each program did, as medians over the rounds, and its latency pooled over them. */
function absolute(windows: Window[], latencies: Latencies[], clients: number, setup: SetupName) {
  const w = windows.filter((x) => x.clients === clients && x.setup === setup);
  const lat = latencies.filter((l) => l.clients === clients && l.setup === setup);
  const ms = lat.flatMap((l) => l.ms);
  const cpuAt50 = lat.flatMap((l) => l.cpuMicrosPerBroadcast ?? []);
  const med = (f: (x: Window) => number) => r3(median(w.map(f)));
  return {
    setup,
    cpuMicrosPerDelivery: med((x) => x.cpuMicrosPerDelivery),
    userMicrosPerDelivery: med((x) => x.userMicrosPerDelivery),
    systemMicrosPerDelivery: med((x) => x.systemMicrosPerDelivery),
    broadcastsPerSecond: med((x) => x.broadcastsPerSecond),
    programPercentOfCore: med((x) => x.programPercentOfCore),
    driverPercentOfCore: med((x) => x.driverPercentOfCore),
    latencyMs: { p50: percentile(ms, 50), p99: percentile(ms, 99), samples: ms.length },
    cpuMicrosPerBroadcastAt50: cpuAt50.length ? r3(median(cpuAt50)) : undefined,
    missing: w.reduce((n, x) => n + x.missing, 0),
  };
}

export function summarize(
  windows: Window[],
  latencies: Latencies[],
  names: SetupName[],
  clientCounts: number[],
) {
  const lines: string[] = [];
  const ratios = clientCounts.map((clients) => {
    const programs = names.map((n) => absolute(windows, latencies, clients, n));
    lines.push(`  ${clients} clients, medians over the rounds:`);
    for (const p of programs) {
      lines.push(
        `    ${p.setup.padEnd(6)} ${p.cpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery (user ${p.userMicrosPerDelivery.toFixed(2)}, system ${p.systemMicrosPerDelivery.toFixed(2)}), ${p.broadcastsPerSecond} broadcasts/s, program ${p.programPercentOfCore}% of a core, driver ${p.driverPercentOfCore}%, at 50/s p50 ${p.latencyMs.p50} ms p99 ${p.latencyMs.p99} ms${p.cpuMicrosPerBroadcastAt50 === undefined ? '' : ` CPU ${Math.round(p.cpuMicrosPerBroadcastAt50)} µs/broadcast`}${p.missing ? `, ${p.missing} deliveries MISSING` : ''}`,
      );
    }
    const comparisons = names
      .filter((n) => n !== 'plain')
      .flatMap((n) => [
        compare(windows, latencies, clients, n, 'plain'),
        // What the monitor, the embedded broker, tsx and the streams adapter each cost, next to
        // the same lab with the monitor off on classic pub/sub.
        ...(names.includes('off') && ['on', 'broker', 'tsx', 'streams'].includes(n)
          ? [compare(windows, latencies, clients, n, 'off')]
          : []),
      ]);
    lines.push(`  ${clients} clients, paired ratios, median over the rounds [95% interval]:`);
    for (const c of comparisons) {
      const goal = c.cpuGoal
        ? ` (goal <= ${c.cpuGoal}: ${verdict(c.cpuPerDelivery, c.cpuGoal)})`
        : '';
      // The p99 goal is against the plain program; other comparisons only show the ratio.
      const p99Goal =
        c.base === 'plain' && c.setup !== 'streams'
          ? ` (goal <= ${P99_GOAL}: ${verdict(c.latencyP99, P99_GOAL)})`
          : '';
      const at50 = c.cpuPerBroadcastAt50
        ? `; CPU per broadcast at 50/s ${show(c.cpuPerBroadcastAt50)}`
        : '';
      lines.push(
        `    ${`${c.setup}/${c.base}`.padEnd(13)} CPU per delivery ${show(c.cpuPerDelivery)}${goal}; throughput ${show(c.throughput)}; p99 at 50/s ${show(c.latencyP99)}${p99Goal}${at50}`,
      );
    }
    return { clients, programs, comparisons };
  });
  return { ratios, lines };
}
