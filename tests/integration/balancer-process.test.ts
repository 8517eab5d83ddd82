/**
 * nginx as the lab runs it: as root and as a normal user, and never outliving the lab, however
 * the lab ends. (Both kinds' balancing is in balancer-kinds.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { freePortBlock, isListening } from '../../server/free-port.ts';
import { findNginx } from '../../server/balancer/nginx-process.ts';

const CHILD = path.resolve(import.meta.dirname, '../support/balancer-child.ts');
const nginx = findNginx();
if (!nginx && process.env.CI) throw new Error('nginx is not on PATH; .ci/run installs it.');
const isRoot = process.getuid?.() === 0;

const children: ChildProcess[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const close of closers.splice(0)) await close();
});

/** Starts the child (as `user` when given) and resolves with the kind it printed. */
function startChild(args: string[], user?: string): Promise<{ child: ChildProcess; kind: string }> {
  const command = [process.execPath, '--import', 'tsx', CHILD, ...args];
  const [bin, ...rest] = user
    ? ['setpriv', `--reuid=${user}`, '--regid=nogroup', '--clear-groups', ...command]
    : command;
  const child = spawn(bin, rest, {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, HOME: '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ready (\w+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, kind: m[1] });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

async function socketServer(port: number): Promise<void> {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  await new Promise<void>((r) => httpServer.listen(port, '127.0.0.1', () => r()));
  closers.push(() => io.close());
}

async function portFreed(port: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await isListening('127.0.0.1', port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe.runIf(nginx)('nginx run by the lab', () => {
  it('stops when the process that runs it is killed outright (SIGKILL)', async () => {
    const port = await freePortBlock(2);
    await socketServer(port + 1);
    const { child, kind } = await startChild([String(port), 'sticky', String(port + 1)]);
    expect(kind).toBe('nginx');
    expect(await isListening('127.0.0.1', port)).toBe(true);
    child.kill('SIGKILL');
    expect(await portFreed(port, 5000)).toBe(true);
  });

  it.runIf(isRoot)('runs as a normal user (nobody), with its files in its own folder', async () => {
    const port = await freePortBlock(2);
    await socketServer(port + 1);
    const { child, kind } = await startChild(
      [String(port), 'round-robin', String(port + 1)],
      'nobody',
    );
    expect(kind).toBe('nginx');
    const res = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^0\{"sid":/);
    child.kill('SIGTERM');
    expect(await portFreed(port, 5000)).toBe(true);
  });
});
