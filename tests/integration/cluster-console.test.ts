/**
 * The Redis console and the stray subscriber on a real local Redis Cluster (--redis-cluster):
 * the console sends a shard command to the node that owns the channel's slot and names the node
 * that answered; Redis itself refuses an SSUBSCRIBE across slots; the stray subscriber
 * SSUBSCRIBEs on the slot owner (sharded) or SUBSCRIBEs on a node ioredis picks (classic), where
 * the adapter's count over every node finds it, so fetchSockets waits for one server too many.
 * Real redis-server only (the broker has no cluster); a missing one fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { holdsSlot, keySlot } from '../../trace/cluster-slots.ts';
import type { ConsoleLine } from '../../trace/events.ts';
import { closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

let cluster: LabCluster;
let lab: TestLab;
let nodes: Redis[];

beforeAll(async () => {
  cluster = await LabCluster.open({});
  lab = await makeLab('redis', {
    cluster,
    servers: 2,
    adapter: 'sharded',
    subscriptionMode: 'static',
  });
  nodes = cluster.urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
}, 60_000);

afterAll(async () => {
  for (const n of nodes ?? []) n.disconnect();
  await closeAllLabs();
});

/** The master that owns `channel`'s slot, by name. */
function ownerOf(channel: string): string {
  const slot = keySlot(channel);
  return cluster.nodes().find((n) => n.role === 'master' && holdsSlot(n.slots, slot))!.name;
}

/** A PUBSUB count summed over every node, as the adapters count servers. */
async function summed(sub: 'NUMSUB' | 'SHARDNUMSUB', channel: string): Promise<number> {
  const replies = await Promise.all(
    nodes.map((n) => n.call('PUBSUB', sub, channel) as Promise<[string, number]>),
  );
  return replies.reduce((sum, r) => sum + Number(r[1]), 0);
}

const run = (connection: string, ...args: string[]) =>
  lab.send(apiCalls.consoleRun({ connection, args }));

describe('the Redis console on a cluster', () => {
  it('sends SSUBSCRIBE and SPUBLISH to the owner of the slot, and says which node answered', async () => {
    // Two channels on two different masters, so that routing by slot is seen to matter.
    const names = ['news', 'sport', 'weather', 'art', 'games'];
    const [a, b] = names.filter((c, i) => names.findIndex((d) => ownerOf(d) === ownerOf(c)) === i);
    expect(ownerOf(a)).not.toBe(ownerOf(b));
    for (const channel of [a, b]) {
      const sub = await run('A', 'SSUBSCRIBE', channel);
      expect(sub.status).toBe(200);
      expect(sub.body.node).toBe(ownerOf(channel));
      expect(sub.body.replies).toEqual([['ssubscribe', channel, 1]]);
    }
    const pub = await run('B', 'SPUBLISH', b, 'hello');
    expect(pub.body).toMatchObject({ node: ownerOf(b), replies: [1] });
    const message = (await lab.waitForEvent(
      (e) => e.kind === 'console' && e.dir === 'message' && e.connection === 'A',
      { past: true },
    )) as ConsoleLine;
    expect(message.value).toEqual(['smessage', b, 'hello']);
    expect(message.node).toBe(ownerOf(b));
    const state = await lab.send(apiCalls.consoleState());
    const A = state.body.connections.find((c) => c.name === 'A')!;
    expect(A.subscriptions).toMatchObject({ shardChannels: [a, b] });
    expect(new Set(A.nodes)).toEqual(new Set([ownerOf(a), ownerOf(b)]));
    // SUNSUBSCRIBE of everything goes to both nodes: one confirmation from each.
    const undo = await run('A', 'SUNSUBSCRIBE');
    expect(undo.body.replies).toHaveLength(2);
    expect(undo.body.node).toBeUndefined();
  });

  it('lets Redis refuse an SSUBSCRIBE of channels in different slots', async () => {
    const refused = await run('C', 'SSUBSCRIBE', 'news', 'sport');
    expect(refused.status).toBe(200);
    expect(refused.body.replies).toEqual([
      { error: "CROSSSLOT Keys in request don't hash to the same slot" },
    ]);
  });

  it('a classic SUBSCRIBE on one node hears a PUBLISH that crossed the bus', async () => {
    const sub = await run('C', 'SUBSCRIBE', 'red');
    expect(sub.body.replies).toEqual([['subscribe', 'red', 1]]);
    // Published straight on another node: the cluster bus carries it to C's node.
    const other = cluster.nodes().findIndex((n) => n.name !== sub.body.node);
    await nodes[other].publish('red', 'over the bus');
    const message = (await lab.waitForEvent(
      (e) => e.kind === 'console' && e.dir === 'message' && e.connection === 'C',
      { past: true },
    )) as ConsoleLine;
    expect(message).toMatchObject({
      value: ['message', 'red', 'over the bus'],
      node: sub.body.node,
    });
  });
});

describe('the stray subscriber on a cluster', () => {
  it('sharded: SSUBSCRIBEs on the owner of socket.io#/#, so fetchSockets waits for a third server', async () => {
    expect(await summed('SHARDNUMSUB', 'socket.io#/#')).toBe(2);
    expect((await lab.send(apiCalls.straySubscriber(true))).status).toBe(200);
    expect(await summed('SHARDNUMSUB', 'socket.io#/#')).toBe(3);
    const owner = cluster.nodes().findIndex((n) => n.name === ownerOf('socket.io#/#'));
    const [, count] = (await nodes[owner].call('PUBSUB', 'SHARDNUMSUB', 'socket.io#/#')) as [
      string,
      number,
    ];
    expect(count).toBe(3);
    await lab.lab.addClients('s1', 1);
    const [client] = (await lab.send(apiCalls.lab())).body.clients;
    const stuck = await lab.send(
      apiCalls.emit<{ count?: number; error?: string }>(client.id, 'count sockets'),
    );
    // The sharded adapter counts 3 subscribers, so waits for 2 other servers; only s2 answers.
    expect(stuck.body.reply.error).toBe('timeout reached: only 1 responses received out of 2');
    expect((await lab.send(apiCalls.straySubscriber(false))).status).toBe(200);
    await until(
      async () => (await summed('SHARDNUMSUB', 'socket.io#/#')) === 2,
      5000,
      'SHARDNUMSUB back to 2',
    );
  }, 30_000);

  it('classic: SUBSCRIBEs the request channel on some node, which the count over all nodes finds', async () => {
    const setup = await lab.send(apiCalls.setup({ servers: 2, adapter: 'redis' }));
    expect(setup.status).toBe(200);
    await until(
      async () => (await summed('NUMSUB', 'socket.io-request#/#')) === 2,
      10_000,
      'two classic servers',
    );
    expect((await lab.send(apiCalls.straySubscriber(true))).status).toBe(200);
    expect(await summed('NUMSUB', 'socket.io-request#/#')).toBe(3);
    expect((await lab.send(apiCalls.straySubscriber(false))).status).toBe(200);
    await until(
      async () => (await summed('NUMSUB', 'socket.io-request#/#')) === 2,
      5000,
      'NUMSUB back to 2',
    );
  }, 30_000);
});
