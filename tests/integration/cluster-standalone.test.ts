/**
 * Issue 16, item 6: a server on another machine (`npm run server`) joins a lab whose adapters run
 * on a Redis Cluster given by URLs, with `--redis` (the lab's own channels) and `--redis-cluster`
 * (the nodes), as the lab's banner says. Here the "other machine" is a child process, the cluster a local one started by the
 * test and given to the lab by URL: a chat message from a lab client on s1 reaches a client of the
 * standalone s4 through the cluster, and s4's connections sit on the cluster's nodes.
 * Real redis-server only (the broker has no cluster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { banner } from '../../server/banner.ts';
import { freePort } from '../../server/free-port.ts';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { closeAllLabs, makeLab, nextEvent, until, type TestLab } from '../support/lab-fixture.ts';
import { killAllRuns, run, waitForOutput } from '../support/lab-process.ts';
import { apiCalls } from '../../trace/api-calls.ts';

let owned: LabCluster;
let lab: TestLab;

beforeAll(async () => {
  // The test owns the cluster; the lab is given its URLs, as a class's lab would be.
  owned = await LabCluster.open({});
  const given = await LabCluster.open({ urls: owned.urls });
  lab = await makeLab('redis', { cluster: given, servers: 1 });
}, 60_000);

afterAll(async () => {
  await killAllRuns();
  await closeAllLabs();
  await owned?.close();
});

describe('npm run server on a cluster given by URLs', () => {
  it('joins the lab, and chat crosses between it and the lab’s server through the cluster', async () => {
    const info = (await lab.send(apiCalls.lab())).body;
    expect(info.redis.cluster?.kind).toBe('external');
    // The command the lab's banner prints for another machine, with a port free here and the
    // test lab's own monitor channel (a real lab's is the default, which the banner leaves out).
    const said = banner(lab, '127.0.0.1');
    const line = /Another machine's server joins with: npm run server -- (.*)/.exec(said)?.[1];
    const args = line!.split(' ');
    const nodes = args[args.indexOf('--redis-cluster') + 1]?.split(',') ?? [];
    expect(new Set(nodes)).toEqual(new Set(owned.urls));
    const port = await freePort();
    args[args.indexOf('--port') + 1] = String(port);
    args[args.indexOf('--name') + 1] = 's4';
    const s4 = run('server/standalone.ts', [
      ...args,
      '--monitor-channel',
      lab.lab.options.monitorChannel,
    ]);
    await waitForOutput(s4, 'Fanout Lab server s4 is up');
    await until(
      async () => (await lab.send(apiCalls.lab())).body.servers.some((s) => s.id === 's4'),
      15_000,
      's4 listed',
    );
    // s4's pub/sub connections are on the cluster's nodes, not on the lab's own Redis.
    const names = await Promise.all(
      owned.urls.map(async (url) => {
        const node = new Redis(url);
        try {
          return String(await node.call('CLIENT', 'LIST'));
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(names.join('\n')).toMatch(/name=[^ ]*s4:sub/);

    const remote = io(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
    const local = await lab.client('s1');
    try {
      if (!remote.connected)
        await new Promise<void>((resolve) => remote.once('connect', () => resolve()));
      const got = nextEvent<string>(remote, 'chat message');
      local.emit('chat message', 'from s1 over the cluster');
      expect(await got).toEqual(['from s1 over the cluster']);
      const back = nextEvent<string>(local, 'chat message');
      remote.emit('chat message', 'from s4 over the cluster');
      expect(await back).toEqual(['from s4 over the cluster']);
    } finally {
      remote.disconnect();
      local.disconnect();
    }
  }, 60_000);
});
