/**
 * The lab's programs (`npm start`, `npm run server`) run as child processes, the way a user
 * runs them, with their output kept for the assertions and for the message when one fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, freePortBlock } from '../../server/free-port.ts';

export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running = new Set<Run>();

/** Kills what a test left running (a lab that hung is the bug under test, not a reason to leak it). */
export async function killAllRuns(): Promise<void> {
  await Promise.all(
    [...running].map(async (r) => {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await r.exited;
    }),
  );
}

export function run(script: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, REDIS_URL: '', LAB_NO_BUILD: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const handle = { child, output: () => out, exited };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

export function waitForOutput(r: Run, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms; output:\n${r.output()}`)),
      timeoutMs,
    );
    const check = () => {
      if (!r.output().includes(text)) return;
      clearTimeout(timer);
      resolve();
    };
    check();
    r.child.stdout!.on('data', check);
    r.child.stderr!.on('data', check);
    void r.exited.then(() => {
      check();
      clearTimeout(timer);
      reject(new Error(`exited before "${text}"; output:\n${r.output()}`));
    });
  });
}

/** `npm start` with `servers` servers on free ports, once it says it is up; `args` add flags. */
export async function startCli(
  args: string[],
  servers = 2,
  env: Record<string, string> = {},
): Promise<{ lab: Run; url: string }> {
  const port = await freePort();
  const lab = run(
    'server/cli.ts',
    [
      '--port',
      String(port),
      '--base-port',
      String(await freePortBlock(servers)),
      '--servers',
      String(servers),
      ...args,
    ],
    env,
  );
  await waitForOutput(lab, 'Fanout Lab is up');
  return { lab, url: `http://127.0.0.1:${port}` };
}
