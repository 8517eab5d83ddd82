/**
 * `npm run bench -- lab [--clients 30,300] [--rounds 20] [--seconds 3] [--slices 4] [--setups plain,off,on]`
 *
 * Compares, in one run, the plain program (bench/plain-servers.mjs under plain node), `npm start
 * -- --monitor off` and `npm start` with the monitor on and a viewer reading every batch, all as
 * child processes that stay up for the whole run. The machine is noisy, so: the programs run on
 * one CPU and the driver and Redis on the other (taskset); the rounds are short and many, each
 * running every program in turn, in a rotating order and in slices (A B C A B C...); CPU time
 * is read from the kernel for the program's whole process tree; every ratio is paired within a
 * round and reported as the median over the rounds with a bootstrap interval (lab-report.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { RedisProcess } from '../server/redis-process.ts';
import { freePortBlock, isListening } from '../server/free-port.ts';
import { writeResult } from './result-file.ts';
import { numberOption, option, round1 } from './bench-stats.ts';
import { load1, machineTicks, procAvailable } from './process-cpu.ts';
import { pinDriver, SETUPS, startSetup, type RunningSetup, type SetupName } from './setups.ts';
import { Fleet, Viewer } from './load-driver.ts';
import { summarize, type Latencies, type Window } from './lab-report.ts';
import { inRounds } from './rounds.ts';

/** The embedded broker in a process of its own, as redis-server is. */
async function startBrokerProcess(): Promise<{ url: string; stop(): void }> {
  const port = await freePortBlock(1);
  const script = fileURLToPath(new URL('../server/broker/cli.ts', import.meta.url));
  const child: ChildProcess = fork(script, ['--port', String(port)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await isListening('127.0.0.1', port))) {
    if (Date.now() > deadline) throw new Error('the embedded broker did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/** What one program did in a measured stretch (or the sum of a round's slices). */
interface Stretch {
  seconds: number;
  deliveries: number;
  broadcasts: number;
  user: number;
  system: number;
  driver: number;
  busy: number;
  idle: number;
  rssBytes: number;
  missing: number;
}

async function measureStretch(p: Program, window: number, warmSeconds: number, seconds: number) {
  p.setup.pids();
  const snap = () => ({
    cpu: p.setup.usage(),
    driver: process.cpuUsage(),
    machine: machineTicks(),
  });
  const w = await p.fleet.saturate(window, warmSeconds * 1000, seconds * 1000, snap);
  const { start, end } = w;
  return {
    seconds: w.seconds,
    deliveries: w.deliveries,
    broadcasts: w.broadcastsPerSecond * w.seconds,
    user: end.cpu.user - start.cpu.user,
    system: end.cpu.system - start.cpu.system,
    driver: end.driver.user + end.driver.system - start.driver.user - start.driver.system,
    busy: end.machine.busy - start.machine.busy,
    idle: end.machine.idle - start.machine.idle,
    rssBytes: end.cpu.rssBytes,
    missing: w.missing,
  } satisfies Stretch;
}

function addStretch(a: Stretch | undefined, b: Stretch): Stretch {
  if (!a) return b;
  const sum = { ...b };
  for (const k of Object.keys(b) as (keyof Stretch)[]) if (k !== 'rssBytes') sum[k] = a[k] + b[k];
  return sum;
}

function windowRow(clients: number, round: number, setup: SetupName, s: Stretch): Window {
  const perDelivery = (micros: number) => micros / Math.max(1, s.deliveries);
  return {
    clients,
    round,
    setup,
    seconds: Math.round(s.seconds * 1000) / 1000,
    deliveries: s.deliveries,
    broadcastsPerSecond: round1(s.broadcasts / s.seconds),
    cpuMicrosPerDelivery: perDelivery(s.user + s.system),
    userMicrosPerDelivery: perDelivery(s.user),
    systemMicrosPerDelivery: perDelivery(s.system),
    programPercentOfCore: round1((s.user + s.system) / s.seconds / 1e4),
    driverPercentOfCore: round1(s.driver / s.seconds / 1e4),
    machinePercentBusy: round1((s.busy / Math.max(1, s.busy + s.idle)) * 100),
    rssMiB: round1(s.rssBytes / 2 ** 20),
    load1: load1(),
    missing: s.missing,
  };
}

interface Program {
  name: SetupName;
  setup: RunningSetup;
  fleet: Fleet;
  viewer: Viewer | null;
  startSeconds: number;
}

export default async function labBench(argv: string[]): Promise<void> {
  const clientCounts = option(argv, 'clients', '30,300').split(',').map(Number);
  const rounds = numberOption(argv, 'rounds', 20);
  const seconds = numberOption(argv, 'seconds', 3);
  const warmSeconds = numberOption(argv, 'warm', 0.5);
  const window = numberOption(argv, 'window', 16);
  const latencySeconds = numberOption(argv, 'latency-seconds', 2);
  const warmRounds = numberOption(argv, 'warm-rounds', 1);
  const slices = numberOption(argv, 'slices', 4);
  const names = option(argv, 'setups', 'plain,off,on').split(',') as SetupName[];
  const unknown = names.filter((n) => !SETUPS.includes(n));
  if (unknown.length || !names.includes('plain')) {
    console.error(
      `Use --setups with plain and any of ${SETUPS.filter((s) => s !== 'plain').join(', ')} (not "${unknown[0] ?? ''}").`,
    );
    process.exit(2);
  }
  if (!procAvailable) console.error('  no /proc here: CPU figures will read zero');
  const pinning = pinDriver();
  const loadAtStart = os.loadavg();
  console.log(
    `Lab bench: ${names.join(', ')}; clients ${clientCounts.join(' then ')}; ${rounds} rounds of ${seconds} s per program in ${slices} slices (${window} in flight), then ${latencySeconds} s at 50/s; ${pinning ? `programs on CPU ${pinning.serverCpus}, driver and Redis on ${pinning.driverCpus}` : 'no taskset: nothing pinned'}; load average ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`,
  );

  const stops: (() => unknown)[] = [];
  const programs: Program[] = [];
  const windows: Window[] = [];
  const latencies: Latencies[] = [];
  try {
    let broker: Awaited<ReturnType<typeof startBrokerProcess>> | null = null;
    for (const name of names) {
      let url: string;
      if (name === 'broker') {
        broker = await startBrokerProcess();
        stops.push(() => broker?.stop());
        url = broker.url;
      } else {
        const redis = await RedisProcess.start();
        stops.push(() => redis.stop());
        url = redis.url;
      }
      const t0 = performance.now();
      const setup = await startSetup(name, url, pinning);
      stops.unshift(() => setup.stop());
      const startSeconds = Math.round((performance.now() - t0) / 100) / 10;
      const viewer = name === 'on' ? new Viewer(setup.hubPort) : null;
      if (viewer) stops.unshift(() => viewer.close());
      await viewer?.ready();
      programs.push({ name, setup, fleet: new Fleet(setup.basePort), viewer, startSeconds });
      console.log(`  ${name}: ready in ${startSeconds} s`);
    }

    for (const clients of clientCounts) {
      for (const p of programs) await p.fleet.connect(clients);
      const prefix = `${clients} clients, `;
      await inRounds({ programs, rounds, warmRounds, prefix }, async (order, round) => {
        // Each program's stretch is cut into slices taken in turn (A B C, A B C...), so that
        // the programs compared meet the same spells of the machine's other work.
        const sums = new Map<SetupName, Stretch>();
        for (let slice = 0; slice < slices; slice++) {
          for (const p of order) {
            const s = await measureStretch(p, window, warmSeconds, seconds / slices);
            sums.set(p.name, addStretch(sums.get(p.name), s));
          }
        }
        const line: string[] = [];
        for (const p of order) {
          const row = windowRow(clients, round, p.name, sums.get(p.name)!);
          if (round >= 0) windows.push(row);
          line.push(
            `${p.name} ${Math.round(row.broadcastsPerSecond)}/s ${row.cpuMicrosPerDelivery.toFixed(2)} µs (${row.programPercentOfCore}%)`,
          );
        }
        for (const p of order) {
          // The CPU the program spends on each broadcast at 50/s: where the monitor reports in
          // full detail, this is what its detail costs (at saturation it samples).
          p.setup.pids();
          const before = p.setup.usage();
          const lat = await p.fleet.latencies(50, latencySeconds * 1000);
          const after = p.setup.usage();
          const cpu = after.user + after.system - before.user - before.system;
          if (round >= 0)
            latencies.push({
              clients,
              round,
              setup: p.name,
              ms: lat.ms.map((x) => round1(x)),
              cpuMicrosPerBroadcast: round1(cpu / Math.max(1, lat.sent)),
            });
        }
        return line.join('; ');
      });
    }

    const on = programs.find((p) => p.name === 'on');
    const countersExact = on ? await on.viewer!.countersMatch(on.fleet, 5000) : undefined;
    if (on) {
      const t = on.viewer!.totals();
      console.log(
        `  monitor counters: ${countersExact ? 'exact' : 'NOT exact'} (publishes ${t.publishes} of ${on.fleet.emitted} sent, deliveries ${t.deliveries} of ${on.fleet.delivered} received; the viewer read ${on.viewer!.batches} batches, ${on.viewer!.events} events)`,
      );
    }
    const summary = summarize(windows, latencies, names, clientCounts);
    for (const line of summary.lines) console.log(line);
    const file = writeResult('lab', {
      options: {
        clientCounts,
        rounds,
        warmRounds,
        slices,
        seconds,
        warmSeconds,
        window,
        latencySeconds,
        names,
      },
      pinning,
      loadAtStart,
      loadAtEnd: os.loadavg(),
      startSeconds: Object.fromEntries(programs.map((p) => [p.name, p.startSeconds])),
      countersExact,
      ratios: summary.ratios,
      windows,
      latencies,
    });
    console.log(`  raw figures in ${file}`);
  } finally {
    for (const p of programs) p.fleet.disconnect();
    for (const stop of stops) await stop();
  }
}
