/**
 * `npm start --balancer`: the banner says which balancer runs (nginx when it is on PATH, else
 * the lab's Node proxy), and stopping the lab stops it.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabInfo } from '../../trace/lab-info.ts';
import { freePort, isListening } from '../../server/free-port.ts';
import { killAllRuns, startCli } from '../support/lab-process.ts';
import { balancerKinds } from '../support/balancer-fixture.ts';

afterAll(killAllRuns);

/** A PATH with node and nothing else: no nginx (and no redis-server: the lab runs --broker). */
function pathWithNodeOnly(): string {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'lab-no-nginx-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
  return bin;
}

describe.each(balancerKinds())('npm start --balancer sticky, with %s', (kind) => {
  it('says in the banner and in GET /api/lab which balancer runs, and Ctrl+C stops it', async () => {
    const port = await freePort();
    const env: Record<string, string> = kind === 'node' ? { PATH: pathWithNodeOnly() } : {};
    const { lab, url } = await startCli(
      ['--broker', '--balancer', 'sticky', '--balancer-port', String(port)],
      2,
      env,
    );
    const shown = kind === 'nginx' ? 'nginx' : "the lab's Node proxy (http-proxy-3";
    expect(lab.output()).toContain(`Balancer       sticky, ${shown}`);
    const info = (await (await fetch(`${url}/api/lab`)).json()) as LabInfo;
    expect(info.balancer).toEqual({ port, mode: 'sticky', kind });
    const res = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
    expect(await isListening('127.0.0.1', port)).toBe(false);
  });
});
