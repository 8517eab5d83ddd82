/**
 * The streams adapter through a failover of the master that holds the stream (3 masters with a
 * replica each, --redis-cluster-replicas 1): a chat sent just after that master stops waits in
 * s1's XADD until the replica has taken the slots, is appended there, and reaches every server;
 * none is lost. ioredis alone would give the XADD up after about 2 s ("Too many Cluster
 * redirections"), before the replica takes over, and the adapter would deliver it to s1's own
 * clients only (cluster-clients.ts STREAMS_FAILOVER_WAIT). Real redis-server only; a missing one
 * fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { holdsSlot, keySlot } from '../../trace/cluster-slots.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';
import { closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { chatArgs, say } from '../support/chat-arrival.ts';

let cluster: LabCluster;
let lab: TestLab;
let s3: Socket;

beforeAll(async () => {
  cluster = await LabCluster.open({ replicas: 1 });
  lab = await makeLab('redis', { cluster, adapter: 'streams' });
  for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
  s3 = await lab.client('s3');
  // Each server reads from `$` once its first XREAD is in place: warm up until all do.
  let n = 0;
  await until(
    async () => {
      const text = `warm-up ${++n}`;
      const got = chatArgs(s3, text, 1000);
      await say(lab, text);
      return got.then(
        () => true,
        () => false,
      );
    },
    20_000,
    'every server reading the stream',
  );
}, 90_000);

afterAll(async () => {
  await closeAllLabs();
});

describe('the streams adapter while the master that holds the stream fails over', () => {
  it('holds a chat sent meanwhile until the replica has the stream, and every server gets it', async () => {
    const slot = keySlot(lab.lab.key);
    const owner = cluster.nodes().find((n) => n.role === 'master' && holdsSlot(n.slots, slot))!;
    const replica = cluster.nodes().find((n) => n.master === owner.name)!;
    const stopped = await lab.send(apiCalls.redisNode(owner.name, 'stop'));
    expect(stopped.status).toBe(200);
    // Sent at once: the master is gone and its replica has not taken over yet.
    const arrives = chatArgs(s3, 'during the failover', 30_000);
    const flow = await say(lab, 'during the failover');
    const [, offset] = (await arrives).args;
    const result = (await lab.waitForEvent((e) => e.kind === 'publish.result' && e.flow === flow, {
      past: true,
    })) as Extract<LabEvent, { kind: 'publish.result' }>;
    expect(result.error).toBeUndefined();
    expect(result.entryId).toBe(offset);
    // It waited for the takeover: the replica is the stream's master now, and it holds the entry.
    await cluster.refresh();
    const now = cluster.nodeStats();
    expect(now.find((n) => n.name === replica.name)).toMatchObject({
      role: 'master',
      streams: [expect.objectContaining({ key: lab.lab.key, slot })],
    });
    await until(
      () =>
        lab.events.some((e) => e.kind === 'client.receive' && e.flow === flow && e.client === 'c2'),
      10_000,
      "s2's client getting it",
    );
    const started = await lab.send(apiCalls.redisNode(owner.name, 'start'));
    expect(started.status).toBe(200);
  }, 60_000);
});
