/**
 * `npm run bench [-- lab] [--clients 30,300] [--seconds 5] [--rounds 4] [--modes baseline,lab-on]`
 *
 * The original demo's load: 3 servers, N websocket clients spread over them in this process,
 * one client emitting 100-byte chat messages as fast as its own echoes come back (a window of
 * 16 in flight), deliveries counted at every client. Three setups run in the same run, in
 * alternating rounds because the machine is noisy: the plain baseline (socket.io +
 * redis-adapter, no lab code), the lab with the monitor off, and the lab with the monitor on
 * and a viewer attached, and the lab on the embedded broker. Each round runs every setup back to
 * back, so a ratio is taken within a round (paired) and the median over the rounds is reported:
 * a slow spell on the machine hits both sides of a pair alike. Then, with the monitor on, emits
 * at 50/s measure how long a client's emit takes to reach a viewer as a monitor event.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { io as connect, type Socket } from 'socket.io-client';
import { RedisProcess } from '../server/redis-process.ts';
import { freePortBlock, isListening } from '../server/free-port.ts';
import { writeResult } from './result-file.ts';
import { median, option, percentile, round1 } from './bench-stats.ts';
import type { Envelope } from '../trace/events.ts';

/** lab-broker: the lab with the monitor off on the embedded broker, to compare with lab-off on redis-server. */
type Mode = 'baseline' | 'lab-off' | 'lab-on' | 'lab-broker';
const MODES: Mode[] = ['baseline', 'lab-off', 'lab-on', 'lab-broker'];
const WINDOW = 16;

interface ServerProcess {
  child: ChildProcess;
  usage(): Promise<{ cpu: NodeJS.CpuUsage; rss: number }>;
  close(): Promise<void>;
}

async function startServers(
  mode: Mode,
  redisUrl: string,
  basePort: number,
  hubPort: number,
): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server process there.
  const prof = process.env.BENCH_CPU_PROF;
  const child = fork(script, [mode, redisUrl, String(basePort), String(hubPort)], {
    execArgv: [
      '--import',
      'tsx',
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}/${mode}`] : []),
    ],
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
  return {
    child,
    usage: () =>
      new Promise((resolve) => {
        child.once('message', (m: { cpu: NodeJS.CpuUsage; rss: number }) => resolve(m));
        child.send({ type: 'usage' });
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}

/** The embedded broker in a process of its own, as redis-server is. */
async function startBrokerProcess(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePortBlock(1);
  const script = fileURLToPath(new URL('../server/broker/cli.ts', import.meta.url));
  const child = fork(script, ['--port', String(port)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await isListening('127.0.0.1', port))) {
    if (Date.now() > deadline) throw new Error('the embedded broker did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** Another process can take a port between the check and the listen; then try another block. */
async function startOnFreePorts(mode: Mode, redisUrl: string) {
  for (let attempt = 1; ; attempt++) {
    const hubPort = await freePortBlock(4);
    const basePort = hubPort + 1;
    try {
      return { servers: await startServers(mode, redisUrl, basePort, hubPort), hubPort, basePort };
    } catch (err) {
      if (attempt === 3) throw err;
      console.error('  trying other ports');
    }
  }
}

async function connectClients(n: number, basePort: number): Promise<Socket[]> {
  const sockets = Array.from({ length: n }, (_, i) =>
    connect(`http://127.0.0.1:${basePort + (i % 3)}`, {
      transports: ['websocket'],
      reconnection: false,
    }),
  );
  await Promise.all(
    sockets.map((s) => new Promise((resolve) => s.once('connect', () => resolve(undefined)))),
  );
  return sockets;
}

/** CPU ticks of the whole machine from /proc/stat; zeros where there is none (not Linux). */
function machineTicks(): { busy: number; idle: number } {
  if (!existsSync('/proc/stat')) return { busy: 0, idle: 0 };
  const [, ...f] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, idle };
}

function message(seq: number): string {
  const head = `${seq}:${Date.now()}:`;
  return head + 'x'.repeat(100 - head.length);
}

/** Saturates for `seconds`; returns broadcasts/s, deliveries and latencies (emit to receipt on s2). */
async function saturate(sockets: Socket[], seconds: number) {
  const emitter = sockets[0];
  let deliveries = 0;
  let echoes = 0;
  let seq = 0;
  let running = true;
  const latencies: number[] = [];
  const listeners = sockets.map((s, i) => {
    // sockets[1] is a client of s2: the message crossed Redis to reach it.
    const listener = (msg: string) => {
      deliveries++;
      if (i === 1) latencies.push(Date.now() - Number(msg.split(':')[1]));
      if (i === 0) {
        echoes++;
        if (running) emitter.emit('chat message', message(++seq));
      }
    };
    s.on('chat message', listener);
    return listener;
  });
  for (let i = 0; i < WINDOW; i++) emitter.emit('chat message', message(++seq));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  sockets.forEach((s, i) => s.off('chat message', listeners[i]));
  return { broadcastsPerSecond: echoes / seconds, deliveries, latencies, emitted: seq };
}

async function measure(mode: Mode, clients: number, seconds: number, redisUrl: string) {
  const { servers, hubPort, basePort } = await startOnFreePorts(mode, redisUrl);
  const sockets = await connectClients(clients, basePort);
  let viewerEvents = 0;
  let viewer: Socket | null = null;
  // The monitor's counters, per server, as the viewer last saw them.
  const counters = new Map<string, { publishes: number; deliveries: number }>();
  if (mode === 'lab-on') {
    viewer = connect(`http://127.0.0.1:${hubPort}/lab`, { transports: ['websocket'] });
    viewer.on('trace', (e: Envelope) => {
      viewerEvents += e.events.length;
      for (const ev of e.events) if (ev.kind === 'counters') counters.set(ev.server, ev);
    });
  }
  let clientDeliveries = 0;
  for (const s of sockets) s.on('chat message', () => clientDeliveries++);
  const warm = await saturate(sockets, 1); // warm-up: JIT, connection pools
  const before = await servers.usage();
  const driverBefore = process.cpuUsage();
  const machineBefore = machineTicks();
  const run = await saturate(sockets, seconds);
  const driverCpu = process.cpuUsage(driverBefore);
  const machineAfter = machineTicks();
  const after = await servers.usage();
  // Who was busy: a server process short of one core means the bottleneck was elsewhere.
  const user = after.cpu.user - before.cpu.user;
  const system = after.cpu.system - before.cpu.system;
  const busy = machineAfter.busy - machineBefore.busy;
  const coreShare = (micros: number) => round1(micros / 1000 / seconds / 10);
  const load = {
    serverPercentOfCore: coreShare(user + system),
    driverPercentOfCore: coreShare(driverCpu.user + driverCpu.system),
    machinePercentOfAllCores: round1(
      (busy / (busy + machineAfter.idle - machineBefore.idle)) * 100,
    ),
    serverUserMicrosPerDelivery: round1(user / Math.max(1, run.deliveries)),
    serverSystemMicrosPerDelivery: round1(system / Math.max(1, run.deliveries)),
  };
  let countersExact: boolean | undefined;
  if (mode === 'lab-on') {
    // Let the last messages in flight land and the monitor send its next counters (every second).
    await new Promise((r) => setTimeout(r, 2500));
    const sum = (k: 'publishes' | 'deliveries') =>
      [...counters.values()].reduce((n, c) => n + c[k], 0);
    countersExact =
      sum('publishes') === warm.emitted + run.emitted && sum('deliveries') === clientDeliveries;
    if (process.env.BENCH_DEBUG) {
      console.log({
        publishes: sum('publishes'),
        emitted: warm.emitted + run.emitted,
        deliveries: sum('deliveries'),
        clientDeliveries,
      });
    }
  }
  const cpuMicros = user + system;
  for (const s of sockets) s.disconnect();
  viewer?.disconnect();
  await servers.close();
  return {
    mode,
    clients,
    broadcastsPerSecond: round1(run.broadcastsPerSecond),
    deliveriesPerSecond: round1(run.deliveries / seconds),
    latencyMs: {
      p50: percentile(run.latencies, 50),
      p99: percentile(run.latencies, 99),
      samples: run.latencies.length,
    },
    serverCpuMicrosPerDelivery: round1(cpuMicros / Math.max(1, run.deliveries)),
    serverRssMiB: round1(after.rss / 2 ** 20),
    viewerEventsPerSecond: mode === 'lab-on' ? round1(viewerEvents / (seconds + 1)) : undefined,
    countersExact,
    load,
  };
}

/** With the monitor on: emits at 50/s and times each one from emit to its client.emit event at a viewer. */
async function viewerLatency(redisUrl: string, seconds: number) {
  const { servers, hubPort, basePort } = await startOnFreePorts('lab-on', redisUrl);
  const [emitter] = await connectClients(3, basePort);
  const viewer = connect(`http://127.0.0.1:${hubPort}/lab`, { transports: ['websocket'] });
  await new Promise((r) => viewer.once('connect', () => r(undefined)));
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  viewer.on('trace', (env: Envelope) => {
    const now = Date.now();
    for (const e of env.events) {
      if (e.kind !== 'client.emit') continue;
      const id = String(e.args[0]).split(':')[0];
      const t0 = sent.get(id);
      if (t0 !== undefined) latencies.push(now - t0);
    }
  });
  for (let i = 0; i < seconds * 50; i++) {
    const msg = message(i + 1);
    sent.set(String(i + 1), Date.now());
    emitter.emit('chat message', msg);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200));
  viewer.disconnect();
  emitter.disconnect();
  await servers.close();
  return {
    ratePerSecond: 50,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    samples: latencies.length,
  };
}

type Run = {
  mode: Mode;
  round: number;
  broadcastsPerSecond: number;
  serverCpuMicrosPerDelivery: number;
};

/** Per round, mode over base; the median over rounds, of throughput and of CPU per delivery. */
function pairedRatios(runs: Run[], mode: Mode, base: Mode) {
  const throughput: number[] = [];
  const cpu: number[] = [];
  for (const a of runs.filter((r) => r.mode === mode)) {
    const b = runs.find((r) => r.mode === base && r.round === a.round);
    if (!b) continue;
    throughput.push(a.broadcastsPerSecond / b.broadcastsPerSecond);
    cpu.push(a.serverCpuMicrosPerDelivery / b.serverCpuMicrosPerDelivery);
  }
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    throughput: round3(median(throughput)),
    cpuPerDelivery: round3(median(cpu)),
    perRound: throughput.map(round3),
  };
}

function show(r: ReturnType<typeof pairedRatios>): string {
  return Number.isNaN(r.throughput) ? 'n/a' : `${r.throughput}x; CPU ${r.cpuPerDelivery}x`;
}

export default async function labBench(argv: string[]): Promise<void> {
  const clientCounts = option(argv, 'clients', '30,300').split(',').map(Number);
  const seconds = Number(option(argv, 'seconds', '5'));
  const rounds = Number(option(argv, 'rounds', '4'));
  const modes = option(argv, 'modes', MODES.join(',')).split(',') as Mode[];
  const unknown = modes.filter((m) => !MODES.includes(m));
  if (unknown.length) {
    console.error(`Unknown mode "${unknown[0]}". Use some of: ${MODES.join(', ')}.`);
    process.exit(2);
  }
  const redis = await RedisProcess.start();
  const broker = await startBrokerProcess();
  console.log(
    `Lab bench: 3 servers, clients ${clientCounts.join(' then ')}, ${seconds} s per run, ${rounds} rounds, redis-server on :${redis.port}`,
  );
  const results: (Awaited<ReturnType<typeof measure>> & { round: number })[] = [];
  try {
    for (const clients of clientCounts) {
      for (let round = 0; round < rounds; round++) {
        // Each round starts with another mode, so no setup always pays for the driver's warm-up.
        const order = modes.map((_, i) => modes[(i + round) % modes.length]);
        for (const mode of order) {
          const r = await measure(
            mode,
            clients,
            seconds,
            mode === 'lab-broker' ? broker.url : redis.url,
          );
          console.log(
            `  ${String(clients).padStart(3)} clients  ${mode.padEnd(8)}  ${r.broadcastsPerSecond} broadcasts/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  ${r.serverCpuMicrosPerDelivery} µs CPU/delivery  server ${r.load.serverPercentOfCore}% of a core, driver ${r.load.driverPercentOfCore}%  RSS ${r.serverRssMiB} MiB${r.countersExact === undefined ? '' : `  counters ${r.countersExact ? 'exact' : 'NOT exact'}`}`,
          );
          results.push({ ...r, round });
        }
      }
    }
    console.log('  viewer latency at 50 broadcasts/s (monitor on)...');
    const latency = await viewerLatency(redis.url, seconds);
    const ratios = clientCounts.map((clients) => {
      const runs = results.filter((r) => r.clients === clients);
      const pair = (mode: Mode, base: Mode) => pairedRatios(runs, mode, base);
      return {
        clients,
        monitorOffVsBaseline: pair('lab-off', 'baseline'),
        monitorOnVsBaseline: pair('lab-on', 'baseline'),
        brokerVsRedis: pair('lab-broker', 'lab-off'),
      };
    });
    for (const r of ratios) {
      console.log(
        `  ${r.clients} clients, median of paired rounds (throughput; CPU per delivery): monitor off ${show(r.monitorOffVsBaseline)} of baseline (goal >= 0.97), monitor on ${show(r.monitorOnVsBaseline)} (goal >= 0.90), on the embedded broker ${show(r.brokerVsRedis)} of redis-server (goal >= 0.9)`,
      );
    }
    console.log(
      `  emit to viewer at 50/s: p50 ${latency.p50} ms, p95 ${latency.p95} ms (goal <= 30 ms), ${latency.samples} samples`,
    );
    const file = writeResult('lab', { seconds, rounds, results, ratios, viewerLatency: latency });
    console.log(`  written to ${file}`);
  } finally {
    broker.child.kill('SIGTERM');
    await redis.stop();
  }
}
