/**
 * Stopping and starting a node of the lab's local Redis Cluster (POST /api/redis/nodes/{id}/stop
 * and /start), on 3 masters with a replica each (--redis-cluster-replicas 1): the replica of the
 * stopped master takes its slots over, the sharded servers' subscriptions move to it and chat
 * crosses servers again; the master started again rejoins as a replica. The trace's cluster.nodes
 * reports show the takeover. The refusals: an unknown node, a cluster the lab did not start, a lab
 * on one Redis. Real redis-server only (the broker has no cluster); a missing one fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { LabError } from '../../server/lab-error.ts';
import { holdsSlot, keySlot } from '../../trace/cluster-slots.ts';
import type { ClusterNodeInfo } from '../../trace/lab-info.ts';
import { closeAllLabs, makeLab, nextEvent, until, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

let cluster: LabCluster;
let lab: TestLab;

beforeAll(async () => {
  cluster = await LabCluster.open({ replicas: 1 });
  lab = await makeLab('redis', { cluster, adapter: 'sharded', subscriptionMode: 'static' });
}, 60_000);

afterAll(async () => {
  await closeAllLabs();
});

async function nodes(): Promise<ClusterNodeInfo[]> {
  const { body } = await lab.send(apiCalls.lab());
  return body.redis.cluster!.nodes;
}

/** The master that owns the broadcast channel's slot, where every server SSUBSCRIBEs. */
async function ownerOfBroadcast(): Promise<ClusterNodeInfo> {
  const slot = keySlot('socket.io#/#');
  const owner = (await nodes()).find(
    (n) => n.role === 'master' && n.state === 'up' && holdsSlot(n.slots, slot),
  );
  if (!owner) throw new Error(`no master up owns slot ${slot}`);
  return owner;
}

/** How many connections SSUBSCRIBE socket.io#/# on the node at `url`. */
async function shardSubscribers(url: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const reply = (await client.call('PUBSUB', 'SHARDNUMSUB', 'socket.io#/#')) as [string, number];
    return Number(reply[1]);
  } catch {
    return -1;
  } finally {
    client.disconnect();
  }
}

async function chatReachesEveryServer(): Promise<void> {
  const clients = await Promise.all([lab.client('s1'), lab.client('s2'), lab.client('s3')]);
  try {
    const got = Promise.all(clients.map((s) => nextEvent<string>(s, 'chat message')));
    clients[0].emit('chat message', 'after the failover');
    expect(await got).toEqual([
      ['after the failover'],
      ['after the failover'],
      ['after the failover'],
    ]);
  } finally {
    for (const s of clients) s.disconnect();
  }
}

describe('a node of the local cluster stopped and started', () => {
  it('refuses a node the cluster does not have, naming the ones it has', async () => {
    const res = await lab.refusal(apiCalls.redisNode('n9', 'stop'));
    expect(res.status).toBe(404);
    expect(res.body.error).toBe(
      'The cluster has no node n9: its nodes are n1, n2, n3, n4, n5, n6.',
    );
  });

  it('a stopped master is replaced by its replica, and the sharded servers follow it', async () => {
    const owner = await ownerOfBroadcast();
    const replica = (await nodes()).find((n) => n.master === owner.name)!;
    expect(replica.role).toBe('replica');
    const from = lab.events.length;
    const res = await lab.send(apiCalls.redisNode(owner.name, 'stop'));
    expect(res.status).toBe(200);
    expect(res.body.nodes.find((n) => n.name === owner.name)?.state).toBe('down');
    // cluster-node-timeout is 2 s; the vote follows. Generous bounds: the machine is shared.
    await until(
      async () => (await nodes()).find((n) => n.name === replica.name)?.role === 'master',
      30_000,
      `${replica.name} to take over from ${owner.name}`,
    );
    expect((await nodes()).find((n) => n.name === replica.name)?.slots).toBe(owner.slots);
    // The trace shows it: a cluster.nodes report with the replica a master of those slots.
    await lab.waitForEvent(
      (e) =>
        e.kind === 'cluster.nodes' &&
        e.nodes.some(
          (n) => n.name === replica.name && n.role === 'master' && n.slots === owner.slots,
        ),
      { timeoutMs: 10_000, past: true },
    );
    expect(lab.events.slice(from).some((e) => e.kind === 'cluster.nodes')).toBe(true);
    // Every server SSUBSCRIBEs the broadcast channel again, now on the new master.
    await until(
      async () => (await shardSubscribers(replica.url)) === 3,
      30_000,
      `three SSUBSCRIBEs of socket.io#/# on ${replica.name}`,
    );
    await chatReachesEveryServer();
  }, 90_000);

  it('the old master started again rejoins as a replica of the one that took over', async () => {
    const down = (await nodes()).find((n) => n.state === 'down')!;
    const res = await lab.send(apiCalls.redisNode(down.name, 'start'));
    expect(res.status).toBe(200);
    await until(
      async () => {
        const n = (await nodes()).find((x) => x.name === down.name);
        return n?.state === 'up' && n.role === 'replica';
      },
      30_000,
      `${down.name} back as a replica`,
    );
    await chatReachesEveryServer();
  }, 90_000);
});

describe('refusals', () => {
  it('a cluster the lab did not start: its nodes are not the lab to stop', async () => {
    const given = await LabCluster.open({ urls: [cluster.urls[0]] });
    try {
      const refused = await given.toggleNode('n1', 'stop').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(LabError);
      expect((refused as LabError).status).toBe(409);
      expect((refused as LabError).message).toMatch(/^The lab did not start this Redis Cluster/);
    } finally {
      await given.close();
    }
  });

  it('a lab on one Redis has no nodes to stop', async () => {
    const single = await makeLab('broker', { servers: 1 });
    const res = await single.refusal(apiCalls.redisNode('n1', 'stop'));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/^The lab runs on one Redis, not a Redis Cluster/);
  });
});
