/**
 * The programs the lab bench compares, each started the way a user starts it, as a child process:
 * - plain: bench/plain-servers.mjs under plain `node`, no code of the lab;
 * - off: `npm start -- --monitor off`;
 * - on: `npm start` with the monitor on (the driver attaches a viewer that reads every batch).
 * - broker (optional): `off` pointed at the embedded broker in a process of its own;
 * - tsx (optional): `off` as `npm start` ran it before issue 15, the TypeScript compiled on the
 *   fly by tsx's loader (without npm's process and tsx's launcher, which only wait).
 * - streams (optional): `off` with `--adapter streams` (XADD and XREAD instead of PUBLISH), to
 *   set the Redis Streams adapter beside classic pub/sub.
 * Each has its own Redis, so one program's broadcasts never reach another's servers.
 * With `taskset`, the programs run on one CPU and the driver and Redis on the others.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock, isListening } from '../server/free-port.ts';
import { processTree, treeUsage, type TreeUsage } from './process-cpu.ts';

export type SetupName = 'plain' | 'off' | 'on' | 'broker' | 'tsx' | 'streams';
export const SETUPS: SetupName[] = ['plain', 'off', 'on', 'broker', 'tsx', 'streams'];

const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface Pinning {
  serverCpus: string;
  driverCpus: string;
}

/** Pins this process (and so what it starts later, Redis among them) away from the servers' CPU. */
export function pinDriver(): Pinning | null {
  const cpus = os.cpus().length;
  const probe = spawnSync('taskset', ['-V'], { stdio: 'ignore' });
  if (probe.status !== 0 || cpus < 2) return null;
  const pinning = { serverCpus: String(cpus - 1), driverCpus: cpus === 2 ? '0' : `0-${cpus - 2}` };
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', pinning.driverCpus, String(process.pid)], {
    stdio: 'ignore',
  });
  return pinned.status === 0 ? pinning : null;
}

export interface RunningSetup {
  name: SetupName;
  basePort: number;
  hubPort: number;
  /** CPU and memory of the program's whole process tree, read from /proc. */
  usage(): TreeUsage;
  /** Lists the program's processes again (npm, a shell, tsx's launcher, node) and returns them. */
  pids(): number[];
  stop(): Promise<void>;
}

function command(name: SetupName, redisUrl: string, hubPort: number, basePort: number) {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the program's node process there. Node 20
  // refuses --cpu-prof in NODE_OPTIONS, so then npm is left out and node started directly.
  // BENCH_CPU_PROF_INTERVAL=<µs> samples more often than V8's 1000 µs, to see short stretches;
  // BENCH_TRACE_GC=<dir> adds --trace-gc, written to <dir>/<setup>.log (startSetup).
  const prof = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL;
  const node = prof
    ? [
        'node',
        '--cpu-prof',
        `--cpu-prof-dir=${path.resolve(prof, name)}`,
        ...(interval ? [`--cpu-prof-interval=${interval}`] : []),
        ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []),
      ]
    : ['node'];
  if (name === 'plain') return [...node, 'bench/plain-servers.mjs', redisUrl, String(basePort)];
  const flags = ['--port', hubPort, '--base-port', basePort, '--redis', redisUrl, '--quiet'];
  // The lab's flood guard would otherwise be what is measured: one client emits flat out.
  flags.push('--client-rate', 1_000_000, '--monitor', name === 'on' ? 'on' : 'off');
  if (name === 'streams') flags.push('--adapter', 'streams');
  const args = flags.map(String);
  if (name === 'tsx') return [...node, '--import', 'tsx', 'server/cli.ts', ...args];
  return prof
    ? [...node, 'server/launch.mjs', 'cli', ...args]
    : ['npm', 'start', '--silent', '--', ...args];
}

async function waitUntil(ready: () => Promise<boolean>, what: string, child: ChildProcess) {
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True once the hub answers and its `servers` servers are all up. */
export async function labReady(hubPort: number, servers = 3): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${hubPort}/api/lab`);
    if (!res.ok) return false;
    const lab = (await res.json()) as { servers: { state: string }[] };
    return lab.servers.length === servers && lab.servers.every((s) => s.state === 'up');
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group is gone already; its 'exit' is on its way.
  }
}

/** A program started as a child process in a group of its own; `stop` ends it the way Ctrl+C does. */
export interface ChildProgram {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `cmd` from the repository (with the page build skipped: the page's files are not on a
 * measured path, and a missing build would be built once per program) and waits for `ready`.
 */
export async function startProgram(
  cmd: string[],
  what: string,
  ready: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = { LAB_NO_BUILD: '1' },
  stdout: 'ignore' | number = 'ignore',
): Promise<ChildProgram> {
  // Its own process group, so that stopping it reaches npm's children too.
  const child = spawn(cmd[0], cmd.slice(1), {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', stdout, 'inherit'],
  });
  try {
    await waitUntil(ready, what, child);
  } catch (err) {
    if (child.exitCode === null) killGroup(child);
    throw err;
  }
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGINT to the program's own node process (the last of its tree; npm passes nothing on):
        // the lab closes its servers, a CPU profile is written, and npm and tsx exit after it.
        // The whole group is killed if that hangs.
        const pids = processTree(child.pid!);
        try {
          process.kill(pids[pids.length - 1], 'SIGINT');
        } catch {
          killGroup(child);
        }
        setTimeout(() => child.exitCode === null && killGroup(child), 10_000);
      }),
  };
}

export async function startSetup(
  name: SetupName,
  redisUrl: string,
  pinning: Pinning | null,
): Promise<RunningSetup> {
  const hubPort = await freePortBlock(4);
  const basePort = hubPort + 1;
  const [cmd, ...args] = command(name, redisUrl, hubPort, basePort);
  const pinned = pinning ? ['taskset', '-c', pinning.serverCpus, cmd, ...args] : [cmd, ...args];
  const gcLog = process.env.BENCH_CPU_PROF && process.env.BENCH_TRACE_GC;
  if (gcLog) fs.mkdirSync(gcLog, { recursive: true });
  const { child, stop } = await startProgram(
    pinned,
    `the ${name} program`,
    async () =>
      name === 'plain'
        ? (await Promise.all([0, 1, 2].map((i) => isListening('127.0.0.1', basePort + i)))).every(
            Boolean,
          )
        : labReady(hubPort),
    undefined,
    gcLog ? fs.openSync(path.join(gcLog, `${name}.log`), 'w') : 'ignore',
  );
  let tree = processTree(child.pid!);
  return {
    name,
    basePort,
    hubPort,
    usage: () => treeUsage(tree),
    pids: () => (tree = processTree(child.pid!)),
    stop,
  };
}
