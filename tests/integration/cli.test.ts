import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { io as connect } from 'socket.io-client';
import { freePort, freePortBlock, isListening } from '../../server/free-port.ts';
import { closeAllLabs, makeLab, nextEvent } from '../support/lab-fixture.ts';
import { killAllRuns, run, waitForOutput } from '../support/lab-process.ts';
import { inject } from 'vitest';
import type { LabInfo } from '../../trace/lab-info.ts';

afterAll(closeAllLabs);
afterAll(killAllRuns);

describe('npm start (server/cli.ts)', () => {
  it('finds or starts Redis, brings the lab up, says which Redis and why, and SIGTERM leaves nothing behind', async () => {
    const port = await freePort();
    const base = await freePortBlock(2);
    const lab = run('server/cli.ts', [
      '--port',
      String(port),
      '--base-port',
      String(base),
      '--servers',
      '2',
    ]);
    await waitForOutput(lab, 'Fanout Lab is up');
    expect(lab.output()).toMatch(
      /Redis\s+(spawned|external|embedded broker) at redis:\/\/127\.0\.0\.1:\d+/,
    );
    const info = (await (await fetch(`http://127.0.0.1:${port}/api/lab`)).json()) as LabInfo;
    expect(info.servers.map((s) => s.state)).toEqual(['up', 'up']);
    const redisPort = Number(new URL(info.redis.url).port);
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
    expect(await isListening('127.0.0.1', port)).toBe(false);
    expect(await isListening('127.0.0.1', base)).toBe(false);
    // A Redis the lab started is stopped with it; one it found is left alone.
    if (info.redis.kind !== 'external')
      expect(await isListening('127.0.0.1', redisPort)).toBe(false);
  });

  it('runs as an ACL user it makes on the broker it starts, and says so with its lab id and the other labs', async () => {
    const port = await freePort();
    const lab = run(
      'server/cli.ts',
      [
        '--port',
        String(port),
        '--base-port',
        String(await freePortBlock(1)),
        '--servers',
        '1',
        '--broker',
      ],
      { LAB_REDIS_USER: 'class', LAB_REDIS_PASSWORD: 'pa55' },
    );
    await waitForOutput(lab, 'Fanout Lab is up');
    const info = (await (await fetch(`http://127.0.0.1:${port}/api/lab`)).json()) as LabInfo;
    expect(info.redis.user).toBe('class');
    expect(lab.output()).toMatch(/Redis user\s+class \(ACL\)/);
    expect(lab.output()).toMatch(new RegExp(`Lab id\\s+${info.labId}`));
    expect(lab.output()).toContain(`npm run server -- --lab ${info.labId} --name s2 --port`);
    expect(lab.output()).toMatch(/Other labs\s+none on this Redis/);
    // The password never shows.
    expect(lab.output()).not.toContain('pa55');
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
  });

  it('with no Redis to find, falls back to the embedded broker and says how to use a real one', async () => {
    // A PATH that holds node and nothing else: no redis-server to start.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'lab-no-redis-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const port = await freePort();
    const lab = run(
      'server/cli.ts',
      ['--port', String(port), '--base-port', String(await freePortBlock(1)), '--servers', '1'],
      {
        PATH: bin,
      },
    );
    await waitForOutput(lab, 'Fanout Lab is up');
    const info = (await (await fetch(`http://127.0.0.1:${port}/api/lab`)).json()) as LabInfo;
    if (await isListening('127.0.0.1', 6379)) {
      // This machine has a Redis on the default port, which rightly wins.
      expect(info.redis.kind).toBe('external');
    } else {
      expect(lab.output()).toMatch(/Redis\s+embedded broker at redis:\/\/127\.0\.0\.1:\d+/);
      expect(lab.output()).toMatch(/for a real Redis, install redis-server or pass --redis URL/);
      expect(info.redis).toMatchObject({ kind: 'embedded', state: 'up', controllable: true });
      expect(info.redis.version).toMatch(/embedded broker/);
    }
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
  });

  it.each([
    [['--colour', 'blue'], /^fanout-lab: Unknown flag --colour\. See --help/m],
    [
      ['--servers', '42'],
      /^fanout-lab: --servers must be a whole number from 1 to 10, not "42"\./m,
    ],
    [
      ['--redis', 'redis://127.0.0.1:1'],
      /^fanout-lab: Redis at redis:\/\/127\.0\.0\.1:1 does not answer .*: start it, fix the URL/m,
    ],
    [
      ['--redis', inject('redisUrl'), '--redis-user', 'nobody', '--redis-password', 'x'],
      /^fanout-lab: Redis at .* does not let user nobody in \(WRONGPASS .*\)\. Check --redis-user and --redis-password, or make the user on that Redis: ACL SETUSER nobody on >PASSWORD ~\* resetchannels &socket\.io#\/#\* /m,
    ],
  ])('%j exits 1 with one sentence and no stack', async (args, message) => {
    const r = run('server/cli.ts', args as string[]);
    expect(await r.exited).toBe(1);
    expect(r.output().trim()).toMatch(message);
    expect(r.output()).not.toMatch(/\n\s+at /);
  });

  it('a port in use gets one sentence with the fix', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const r = run('server/cli.ts', [
      '--port',
      String(taken),
      '--base-port',
      String(await freePortBlock(1)),
      '--servers',
      '1',
      '--redis',
      inject('redisUrl'),
    ]);
    expect(await r.exited).toBe(1);
    expect(r.output()).toMatch(
      new RegExp(
        `Port ${taken} is in use: stop whatever uses it, or pick another port with --port\\.`,
      ),
    );
    blocker.close();
  });
});

describe('npm run server (server/standalone.ts)', () => {
  it('joins an existing lab through the shared Redis, with no hub, and reports on its monitor channel', async () => {
    const lab = await makeLab('redis', { servers: 1 });
    const port = await freePort();
    const channel = lab.lab.options.monitorChannel;
    const s9 = run('server/standalone.ts', [
      '--name',
      's9',
      '--port',
      String(port),
      '--redis',
      inject('redisUrl'),
      '--monitor-channel',
      channel,
      '--lab',
      lab.lab.labId,
    ]);
    await waitForOutput(
      s9,
      `Fanout Lab server s9 is up on http://127.0.0.1:${port} in lab ${lab.lab.labId}`,
    );
    const far = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
    await nextEvent(far, 'connect');
    const near = await lab.client('s1');
    const got = nextEvent(far, 'chat message');
    near.emit('chat message', 'across processes');
    expect(await got).toEqual(['across processes']);
    // The hub hears s9 through Redis, though s9 is not one of its own servers.
    await lab.waitForEvent(
      (e) => e.server === 's9' && e.kind === 'receive' && e.decision === 'delivered',
      { past: true },
    );
    far.disconnect();
    s9.child.kill('SIGTERM');
    expect(await s9.exited).toBe(0);
  });
});
