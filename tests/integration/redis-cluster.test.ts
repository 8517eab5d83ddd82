/**
 * The lab's servers on a real local Redis Cluster (--redis-cluster): chat crosses servers with
 * the classic adapter and with the sharded one in each subscription mode, and the adapters'
 * channels live on the cluster's nodes, not on the lab's own Redis. One cluster and one lab for
 * the file; each mode is a setup of the same lab. The lab's own channels use the suite's
 * redis-server; the embedded broker refuses a cluster. A missing redis-server fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { BROKER_HAS_NO_CLUSTER } from '../../server/redis-cluster/cluster-choice.ts';
import type { LabEvent, SubscriptionMode } from '../../trace/events.ts';
import { measureBus } from '../../trace/cluster-bus.ts';
import { keySlot } from '../../trace/cluster-slots.ts';
import { reduceAll } from '../../trace/reducer.ts';
import {
  closeAllLabs,
  collect,
  makeLab,
  nextEvent,
  numsub,
  redisFor,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

let cluster: LabCluster;
let lab: TestLab;
/** One plain connection per node, to ask each what it holds. */
let nodes: Redis[];

beforeAll(async () => {
  cluster = await LabCluster.open({});
  lab = await makeLab('redis', { cluster });
  nodes = cluster.urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
});

afterAll(async () => {
  for (const n of nodes ?? []) n.disconnect();
  await closeAllLabs();
});

/** Sums a PUBSUB count over the nodes: each node answers for itself. */
async function onNodes(sub: 'NUMSUB' | 'SHARDNUMSUB', channel: string): Promise<number[]> {
  return Promise.all(
    nodes.map(async (n) => Number(((await n.call('PUBSUB', sub, channel)) as [string, number])[1])),
  );
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

let receivedBefore = 0;

/** What each node's bus counters did while `act` ran. */
async function busDelta(act: () => Promise<void>) {
  // Start from a quiet bus: every message an earlier test sent has been counted where it landed
  // (one still on its way counted as this test's, and failed it once in CI).
  await until(async () => {
    await cluster.refresh();
    const bus = cluster.nodeStats().map((n) => n.bus);
    return (
      sum(bus.map((b) => b.publishSent)) === sum(bus.map((b) => b.publishReceived)) &&
      sum(bus.map((b) => b.shardSent)) === sum(bus.map((b) => b.shardReceived))
    );
  });
  const before = cluster.nodeStats().map((n) => n.bus);
  receivedBefore = sum(before.map((b) => b.publishReceived));
  await act();
  const after = cluster.nodeStats().map((n) => n.bus);
  return {
    sent: after.map((b, i) => b.publishSent - before[i].publishSent),
    received: after.map((b, i) => b.publishReceived - before[i].publishReceived),
    shard: after.flatMap((b, i) => [
      b.shardSent - before[i].shardSent,
      b.shardReceived - before[i].shardReceived,
    ]),
  };
}

/** One chat message from s1, received by a client on each server: one PUBLISH or SPUBLISH. */
async function chatOnce(text = 'count me'): Promise<void> {
  const clients = await Promise.all([lab.client('s1'), lab.client('s2'), lab.client('s3')]);
  try {
    const got = Promise.all(clients.map((s) => nextEvent<string>(s, 'chat message')));
    clients[0].emit('chat message', text);
    await got;
  } finally {
    for (const s of clients) s.disconnect();
  }
}

/** `roomChannel`: in the dynamic modes, c's join SSUBSCRIBEs blue's channel, which must exist before the send. */
async function chatsAcross(roomChannel = false): Promise<void> {
  const [a, b, c] = await Promise.all([lab.client('s1'), lab.client('s2'), lab.client('s3')]);
  try {
    const got = Promise.all([a, b, c].map((s) => nextEvent<string>(s, 'chat message')));
    a.emit('chat message', 'hello over the cluster');
    expect(await got).toEqual([
      ['hello over the cluster'],
      ['hello over the cluster'],
      ['hello over the cluster'],
    ]);
    await c.emitWithAck('join', 'blue');
    // The join answers before the adapter's SSUBSCRIBE is done: on a cluster ioredis may first
    // open a connection to the node that owns the channel's slot.
    if (roomChannel)
      await until(
        async () => sum(await onNodes('SHARDNUMSUB', 'socket.io#/#blue#')) === 1,
        5000,
        "blue's shard channel",
      );
    const outsider = collect(b, 'room message');
    const toBlue = nextEvent(c, 'room message');
    a.emit('room message', 'blue', 'for blue only');
    expect(await toBlue).toEqual(['blue', 'for blue only']);
    // A chat sent after the room message reaches b after it would have: b is not in blue.
    const marker = nextEvent(b, 'chat message');
    a.emit('chat message', 'marker');
    await marker;
    outsider.stop();
    expect(outsider.values).toEqual([]);
  } finally {
    for (const s of [a, b, c]) s.disconnect();
  }
}

describe('servers on a local Redis Cluster', () => {
  it('say the cluster and its nodes in GET /api/lab', async () => {
    const { body } = await lab.send(apiCalls.lab());
    expect(body.redis.cluster?.kind).toBe('local');
    expect(body.redis.cluster?.nodes).toEqual(
      cluster.urls.map((url, i) =>
        expect.objectContaining({ name: `n${i + 1}`, url, role: 'master', state: 'up' }),
      ),
    );
  });

  it('refuse to cut a server off Redis: there is no relay between it and the nodes', async () => {
    const res = await lab.refusal(apiCalls.cut('s2'));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/Redis Cluster.*cannot be cut; stop s2 instead\./);
  });

  it('chat across servers with the classic adapter, subscribed on the cluster and not on the lab Redis', async () => {
    await chatsAcross();
    // Each server's sub connection SUBSCRIBEs on one node ioredis picks; together, three.
    const counts = await onNodes('NUMSUB', 'socket.io-request#/#');
    expect(sum(counts)).toBe(3);
    expect(await numsub(lab.admin, 'socket.io-request#/#')).toBe(0);
  });

  it('a classic PUBLISH crosses the cluster bus to every other node, as the nodes count it, and the monitor says so', async () => {
    // Three chats, each told by its own text: a monitor batch of an earlier chat can arrive
    // late, and its PUBLISH is then not this chat's.
    for (const text of ['bus one', 'bus two', 'bus three']) {
      const { sent, received, shard } = await busDelta(async () => {
        await chatOnce(text);
        // Each other node counts its bus message as it arrives, maybe after the clients got theirs.
        await until(async () => {
          await cluster.refresh();
          return sum(cluster.nodeStats().map((n) => n.bus.publishReceived)) >= 2 + receivedBefore;
        });
      });
      // One node ran the PUBLISH and sent it to the two others; each got one.
      expect([...sent].sort()).toEqual([0, 0, 2]);
      expect([...received].sort()).toEqual([0, 1, 1]);
      expect(sent.indexOf(2)).toBe(received.indexOf(0));
      expect(shard).toEqual([0, 0, 0, 0, 0, 0]);
      // The publish of this chat's flow (the server's monitor batch may come after the counters
      // moved) says which node ioredis sent it to: the one whose counters sent the two.
      const flowOf = () =>
        lab.events.find(
          (e) => e.kind === 'client.emit' && e.args[0] === text && e.flow !== undefined,
        )?.flow;
      const published = () =>
        lab.events.find(
          (e): e is Extract<LabEvent, { kind: 'publish' }> =>
            e.kind === 'publish' && !e.plumbing && e.flow !== undefined && e.flow === flowOf(),
        );
      await until(() => published() !== undefined, 5000, `the PUBLISH of "${text}"`);
      const publish = published()!;
      expect(publish.command).toBe('PUBLISH');
      expect(publish.node).toBe(cluster.nodeStats()[sent.indexOf(2)].address);
      // Alone between a read before it and the first read after its reply, its bus messages
      // are told apart from the reports alone. (The hub's report of that read may still be on
      // its way.)
      const measure = () => measureBus(reduceAll([...lab.events]), publish.flow!);
      await until(() => measure()?.status !== 'waiting', 5000, `the read after "${text}"`);
      expect(measure()).toMatchObject({ status: 'measured', sent: 2 });
    }
  });

  it('hashes channels to the slots the nodes say (CLUSTER KEYSLOT)', async () => {
    const names = ['socket.io#/#', 'socket.io#/#blue#', 'socket.io-request#/#', '{tag}x', 'é'];
    for (const name of names)
      expect(keySlot(name)).toBe(Number(await nodes[0].call('CLUSTER', 'KEYSLOT', name)));
  });

  it.each(['static', 'dynamic', 'dynamic-private'] as SubscriptionMode[])(
    'chat across servers with the sharded adapter (%s), its channel on the node that owns its slot',
    async (subscriptionMode) => {
      await lab.lab.setup({ adapter: 'sharded', subscriptionMode });
      await chatsAcross(subscriptionMode !== 'static');
      const slot = Number(await nodes[0].call('CLUSTER', 'KEYSLOT', 'socket.io#/#'));
      const owner = cluster.nodes().findIndex((n) =>
        n.slots.split(' ').some((r) => {
          const [a, b = a] = r.split('-').map(Number);
          return slot >= a && slot <= b;
        }),
      );
      const counts = await onNodes('SHARDNUMSUB', 'socket.io#/#');
      expect(counts.map((n, i) => (i === owner ? n : 0))).toEqual(counts);
      expect(counts[owner]).toBe(3);
    },
  );

  it('an SPUBLISH makes no bus message at all: it stays on the shard that owns its slot', async () => {
    expect(lab.lab.adapter).toBe('sharded');
    const { sent, received, shard } = await busDelta(async () => {
      // Every server delivers it, so every hop it made is done (and counted) by then.
      await chatOnce();
      await cluster.refresh();
    });
    expect([...sent, ...received, ...shard]).toEqual(Array(12).fill(0));
    const channels = cluster.nodeStats().flatMap((n) => n.shardChannels);
    expect(channels).toContainEqual({ channel: 'socket.io#/#', slot: expect.any(Number) });
  });
});

describe('the embedded broker', () => {
  it('refuses a cluster, in one sentence that says how to get redis-server', async () => {
    const broker = await redisFor('broker');
    try {
      await expect(makeLab('broker', { redis: broker, cluster })).rejects.toThrow(
        BROKER_HAS_NO_CLUSTER,
      );
    } finally {
      await broker.managed?.stop();
    }
  });
});
