/**
 * The streams adapter on a real local Redis Cluster (--redis-cluster --adapter streams): the
 * setup API switches a cluster lab to streams; chat crosses servers as one XADD on the master
 * that owns the stream key's slot (the publish names it, and only that node holds the stream);
 * every server XREADs the entry there; and a client whose server stopped and started again within
 * maxDisconnectionDuration is sent what it missed (recovered). The lab's own channels use the
 * suite's redis-server. A missing redis-server fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { holdsSlot } from '../../trace/cluster-slots.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import { closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { chatArgs, say } from '../support/chat-arrival.ts';

type Of<K extends LabEvent['kind']> = Extract<LabEvent, { kind: K }>;

let cluster: LabCluster;
let lab: TestLab;
/** One plain connection per node, to ask each what it holds. */
let nodes: Redis[];
let s2: Socket;
let s3: Socket;
/** The stream: the lab's key, `socket.io` on the cluster's own keyspace. */
const stream = 'socket.io';

function ofKind<K extends LabEvent['kind']>(kind: K, flow?: string): Of<K>[] {
  return lab.events.filter(
    (e): e is Of<K> => e.kind === kind && (flow === undefined || e.flow === flow),
  );
}

/** The index of the master that owns the stream key's slot, as the nodes say (CLUSTER KEYSLOT). */
async function streamOwner(): Promise<number> {
  const slot = Number(await nodes[0].call('CLUSTER', 'KEYSLOT', stream));
  return cluster.nodes().findIndex((n) => n.role === 'master' && holdsSlot(n.slots, slot));
}

beforeAll(async () => {
  cluster = await LabCluster.open({});
  nodes = cluster.urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
  lab = await makeLab('redis', { cluster });
  expect(lab.lab.key).toBe(stream);
  // The page's setup switches a cluster lab to streams: it was refused before.
  const res = await lab.send(apiCalls.setup({ adapter: 'streams' }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.adapter).toBe('streams');
  for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
  s2 = await lab.client('s2');
  s3 = await lab.client('s3');
  // Each server reads from `$` once its first XREAD is in place: warm up until all do.
  let n = 0;
  await until(
    async () => {
      const text = `warm-up ${++n}`;
      const got = Promise.all([chatArgs(s2, text, 1000), chatArgs(s3, text, 1000)]);
      await say(lab, text);
      return got.then(
        () => true,
        () => false,
      );
    },
    20_000,
    'every server reading the stream',
  );
}, 60_000);

afterAll(async () => {
  for (const n of nodes ?? []) n.disconnect();
  await closeAllLabs();
});

describe('the streams adapter on a local Redis Cluster', () => {
  it('a chat is one XADD on the slot owner of the stream, which every server XREADs there', async () => {
    const owner = await streamOwner();
    expect(owner).toBeGreaterThanOrEqual(0);
    const got = chatArgs(s3, 'hello cluster stream');
    const flow = await say(lab, 'hello cluster stream');
    const [, offset] = (await got).args;
    const result = (await lab.waitForEvent((e) => e.kind === 'publish.result' && e.flow === flow, {
      past: true,
    })) as Of<'publish.result'>;
    const entryId = result.entryId!;
    expect(entryId).toMatch(/^\d+-\d+$/);
    expect(offset).toBe(entryId);
    // The publish says where ioredis sent the XADD: the owner of the stream key's slot.
    const publishes = ofKind('publish', flow);
    expect(publishes).toEqual([
      expect.objectContaining({ server: 's1', command: 'XADD', channel: stream }),
    ]);
    expect(publishes[0].node).toBe(cluster.nodeStats()[owner].address);
    // Only the owner holds the entry; the other masters send the question on (MOVED).
    const [[id]] = (await nodes[owner].xrange(stream, entryId, entryId)) as [string, string[]][];
    expect(id).toBe(entryId);
    for (const [i, node] of nodes.entries())
      if (i !== owner) await expect(node.xlen(stream)).rejects.toThrow(/^MOVED /);
    // Every server's XREAD returned it, with its decision.
    await until(() => ofKind('receive', flow).length === 3, 10_000, 'three receipts');
    expect(
      ofKind('receive', flow)
        .map((r) => [r.server, r.via, r.channel, r.entryId, r.decision])
        .sort(),
    ).toEqual([
      ['s1', 'xread', stream, entryId, 'own-message'],
      ['s2', 'xread', stream, entryId, 'delivered'],
      ['s3', 'xread', stream, entryId, 'delivered'],
    ]);
    // The lab's read of the nodes says the same: the stream, its slot and length, on the owner alone.
    await cluster.refresh();
    const held = cluster.nodeStats().map((n) => n.streams ?? []);
    const slot = Number(await nodes[0].call('CLUSTER', 'KEYSLOT', stream));
    expect(held[owner]).toEqual([
      { key: stream, slot, length: Number(await nodes[owner].xlen(stream)) },
    ]);
    expect(held.filter((_, i) => i !== owner).flat()).toEqual([]);
  });

  it('a client whose server stopped and started again is sent what it missed: recovered', async () => {
    const stopped = await lab.send(apiCalls.server('s3', 'stop'));
    expect(stopped.status).toBe(200);
    const flow = await say(lab, 'while s3 was away');
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c2' && e.flow === flow,
      { past: true },
    );
    const missed = chatArgs(s3, 'while s3 was away', 20_000);
    const started = await lab.send(apiCalls.server('s3', 'start'));
    expect(started.status).toBe(200);
    await missed;
    const back = (await lab.waitForEvent(
      (e) => e.kind === 'client.connect' && e.server === 's3' && e.client === 'c3' && !!e.recovered,
      { past: true, timeoutMs: 20_000 },
    )) as Of<'client.connect'>;
    const recovered = (await lab.waitForEvent(
      (e) => e.kind === 'session.recover' && e.socketId === back.socketId,
      { past: true },
    )) as Of<'session.recover'>;
    expect(recovered).toMatchObject({ server: 's3', recovered: true });
    expect(recovered.missed.map((m) => m.flow)).toContain(flow);
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      { past: true, timeoutMs: 20_000 },
    );
    const r = reconcile(reduceAll(lab.events), flow)!;
    expect(r.lost).toEqual([]);
    expect(r.delivered.find((d) => d.client === 'c3')).toMatchObject({ recovered: 'session' });
  });
});
