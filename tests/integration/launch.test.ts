/**
 * `npm start` runs the lab from a bundle built once into dist/server/ (server/launch.mjs), under
 * plain node: it must be built when missing or older than a source, and behave as the source does.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, freePortBlock } from '../../server/free-port.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = path.join(ROOT, 'dist/server/cli.mjs');
const children = new Set<ReturnType<typeof spawn>>();
afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

function launch(args: string[], until?: string) {
  const child = spawn(process.execPath, ['server/launch.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', LAB_NO_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const seen = new Promise<void>((resolve) => {
    const check = (d: Buffer) => {
      out += d;
      if (until && out.includes(until)) resolve();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, seen, exited, output: () => out };
}

describe('npm start runs the lab built once (server/launch.mjs)', () => {
  it('builds a bundle that lists its sources, and builds again when a source is newer', async () => {
    const built = launch(['build']);
    expect(await built.exited).toBe(0);
    const inputs = JSON.parse(readFileSync(path.join(ROOT, 'dist/server/cli.inputs.json'), 'utf8'));
    expect(inputs).toContain('server/cli.ts');
    expect(inputs).toContain('trace/events.ts');
    // A bundle older than its sources, as after a `git pull`.
    utimesSync(BUNDLE, new Date(0), new Date(0));
    const help = launch(['cli', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/--monitor/);
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  }, 60_000);

  it('reads its flags as the source does: a bad one is one sentence and exit 1', async () => {
    const r = launch(['cli', '--servers', '42']);
    expect(await r.exited).toBe(1);
    expect(r.output().trim()).toMatch(
      /^fanout-lab: --servers must be a whole number from 1 to 10, not "42"\./m,
    );
    const wrong = launch(['nonsense']);
    expect(await wrong.exited).toBe(2);
    expect(wrong.output()).toMatch(/use "node server\/launch.mjs cli\|standalone\|build/);
  }, 60_000);

  it('brings the lab up from the bundle and stops on SIGTERM', async () => {
    const port = await freePort();
    const base = await freePortBlock(1);
    const args = ['--port', String(port), '--base-port', String(base), '--servers', '1'];
    const lab = launch(['cli', ...args, '--redis', inject('redisUrl')], 'Fanout Lab is up');
    await lab.seen;
    const res = await fetch(`http://127.0.0.1:${port}/api/lab`);
    expect(((await res.json()) as { servers: { state: string }[] }).servers[0].state).toBe('up');
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
  }, 60_000);
});
