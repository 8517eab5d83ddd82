/**
 * Others on the lab's Redis: a forged broadcast from outside reaches every client, as it would in
 * production, and is marked as no server's of this lab; another lab on the same Redis is found,
 * keeps flow ids of its own, and its traffic is marked as its; `--key` keeps labs apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  nextEvent,
  type TestLab,
} from '../support/lab-fixture.ts';
import { forgedChat } from '../support/hostile-messages.ts';
import { hashFlowId } from '../../server/monitor/flow-context.ts';
import { freePort } from '../../server/free-port.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import type { LabEvent } from '../../trace/events.ts';
import type { RedisChoice } from '../../server/redis-finder.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

type Of<K extends LabEvent['kind']> = Extract<LabEvent, { kind: K }>;

/** The same Redis for a second lab, which must not stop it when it closes. */
const sameRedis = (lab: TestLab): RedisChoice => ({ ...lab.lab.redis, managed: undefined });

describe.each(BACKENDS)('a forged broadcast (%s)', (backend) => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab(backend);
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    // The trace knows who could receive once the servers reported the connections.
    for (const client of ['c1', 'c2', 'c3'])
      await lab.waitForEvent((e) => e.kind === 'client.connect' && e.client === client, {
        past: true,
      });
  });
  afterAll(() => lab.close());

  it('reaches every client as in production, and the trace says no server of this lab sent it', async () => {
    const payload = forgedChat('you have been forged');
    const flow = hashFlowId(payload);
    const receipts = ['c1', 'c2', 'c3'].map((c) =>
      lab.waitForEvent((e) => e.kind === 'client.receive' && e.client === c && e.flow === flow),
    );
    await lab.admin.publish('socket.io#/#', payload);
    await Promise.all(receipts);
    for (const server of ['s1', 's2', 's3'])
      await lab.waitForEvent(
        (e) => e.kind === 'deliver' && e.server === server && e.flow === flow,
        {
          past: true,
        },
      );
    const events = lab.events.filter((e) => e.flow === flow);
    const received = events.filter((e): e is Of<'receive'> => e.kind === 'receive');
    expect(received.map((r) => [r.server, r.decision, r.sockets, r.foreign]).sort()).toEqual([
      ['s1', 'delivered', 1, 'outside'],
      ['s2', 'delivered', 1, 'outside'],
      ['s3', 'delivered', 1, 'outside'],
    ]);
    expect(received[0].message).toMatchObject({ uid: 'forger', event: 'chat message' });
    const deliveries = events.filter((e): e is Of<'deliver'> => e.kind === 'deliver');
    expect(deliveries.every((d) => d.origin === 'remote' && d.foreign === 'outside')).toBe(true);
    const state = reduceAll(lab.events);
    expect(state.flows[flow]).toMatchObject({ foreign: 'outside', kind: 'broadcast' });
    expect(state.flows[flow].origin).toBeUndefined();
    expect(state.flows[flow].emit).toBeUndefined();
    const r = reconcile(state, flow)!;
    expect(r.foreign).toBe('outside');
    expect(r.delivered.map((d) => d.client)).toEqual(['c1', 'c2', 'c3']);
  });

  it("the lab's own broadcasts are never marked", async () => {
    const emitted = lab.waitForEvent((e) => e.kind === 'client.emit' && e.client === 'c1');
    await lab.send(apiCalls.emit('c1', 'chat message', ['mine']));
    const flow = (await emitted).flow!;
    expect(flow).toMatch(new RegExp(`^s1-\\d+@${lab.lab.labId}$`));
    await lab.waitForEvent((e) => e.kind === 'deliver' && e.server === 's3' && e.flow === flow, {
      past: true,
    });
    const marked = lab.events.filter((e) => e.flow === flow && 'foreign' in e && e.foreign);
    expect(marked).toEqual([]);
  });

  it('POST /api/redis/publish forges one as an outsider, or publishes raw bytes, and says what Redis answered', async () => {
    const got = nextEvent(await lab.client('s2'), 'chat message');
    const res = await lab.send(
      apiCalls.outsiderPublish({ event: 'chat message', args: ['from the API'] }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: 'default', channel: 'socket.io#/#' });
    expect(res.body.receivers).toBeGreaterThanOrEqual(3);
    expect(await got).toEqual(['from the API']);
    await lab.waitForEvent((e) => e.kind === 'lab.notice' && e.topic === 'outsider', {
      past: true,
    });
    const raw = await lab.send(apiCalls.outsiderPublish({ channel: 'socket.io#/#', text: 'hi' }));
    expect(raw.body.receivers).toBeGreaterThanOrEqual(3);
    await lab.waitForEvent(
      (e) =>
        e.kind === 'receive' &&
        e.decision === 'undecodable' &&
        e.flow === hashFlowId(Buffer.from('hi')),
      { past: true },
    );
    const bad = await lab.refusal(apiCalls.outsiderPublish({ channel: 'x' }));
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('text');
  });
});

describe.each(BACKENDS)('two labs on one Redis (%s)', (backend) => {
  let a: TestLab;
  let b: TestLab;
  let c: TestLab;
  beforeAll(async () => {
    a = await makeLab(backend, { servers: 2 });
    // Same Redis and the same monitor channel as a: only the lab ids tell them apart.
    b = await makeLab(backend, {
      servers: 2,
      redis: sameRedis(a),
      monitorChannel: a.lab.options.monitorChannel,
    });
    c = await makeLab(backend, { servers: 1, redis: sameRedis(a), key: 'class-c' });
    await a.lab.addClients('s1', 1);
    await b.lab.addClients('s2', 1);
    await c.lab.addClients('s1', 1);
  });
  afterAll(async () => {
    await c.close();
    await b.close();
    await a.close();
  });

  it('each lab has its own id, in GET /api/lab, in its connection names and in its flow ids', async () => {
    const [ia, ib] = [(await a.send(apiCalls.lab())).body, b.lab.info()];
    expect(ia.labId).toMatch(/^[a-z0-9]{4}$/);
    expect(ia.labId).not.toBe(ib.labId);
    const names = String(await a.admin.call('CLIENT', 'LIST'));
    expect(names).toContain(`name=s1:pub@${ia.labId}`);
    expect(names).toContain(`name=s1:pub@${ib.labId}`);
  });

  it("finds the other lab, and marks its traffic as its, never as one of this lab's clients'", async () => {
    const bId = b.lab.labId;
    const emitted = b.waitForEvent((e) => e.kind === 'client.emit' && e.client === 'c1');
    const aGets = nextEvent(await a.client('s2'), 'chat message');
    await b.send(apiCalls.emit('c1', 'chat message', ['from lab b']));
    const flow = (await emitted).flow!;
    expect(flow).toMatch(new RegExp(`@${bId}$`));
    // Same key: lab a's clients get lab b's broadcast, which is what the notice warns of.
    expect(await aGets).toEqual(['from lab b']);
    const r = (await a.waitForEvent(
      (e) => e.kind === 'receive' && e.flow === flow && e.decision === 'delivered',
      { past: true },
    )) as Of<'receive'>;
    expect(r).toMatchObject({ foreign: 'other-lab', otherLab: bId });
    // Nor are its servers a's remote servers, though its roster shares a's channel too.
    expect(a.lab.info().servers.map((s) => [s.id, s.kind])).toEqual([
      ['s1', 'lab'],
      ['s2', 'lab'],
    ]);
    expect(a.events.some((e) => e.kind === 'lab.notice' && /A server named/.test(e.text))).toBe(
      false,
    );
    // Lab b's batches share a's monitor channel, and a shows none of them.
    expect(a.events.some((e) => e.kind === 'client.emit' && e.flow === flow)).toBe(false);
    const state = reduceAll(a.events);
    expect(state.flows[flow]).toMatchObject({ foreign: 'other-lab', otherLab: bId });
    expect(state.flows[flow].origin).toBeUndefined();
    await expect
      .poll(() => a.lab.info().otherLabs.find((l) => l.id === bId), { timeout: 15_000 })
      .toMatchObject({ servers: ['s1', 's2'], sharesChannels: true });
    const notice = (await a.waitForEvent(
      (e) =>
        e.kind === 'lab.notice' &&
        e.topic === 'other-lab' &&
        e.text.includes(bId) &&
        e.text.includes('broadcasts cross'),
      { past: true, timeoutMs: 15_000 },
    )) as Of<'lab.notice'>;
    expect(notice.text).toContain('broadcasts cross');
  });

  it('a lab with another --key shares the Redis but not the broadcasts', async () => {
    const cClient = await c.client('s1');
    let heard = 0;
    cClient.on('chat message', () => heard++);
    const emitted = a.waitForEvent((e) => e.kind === 'client.emit' && e.client === 'c1');
    await a.send(apiCalls.emit('c1', 'chat message', ['only a and b']));
    const flow = (await emitted).flow!;
    await b.waitForEvent((e) => e.kind === 'receive' && e.flow === flow, { past: true });
    // c's own message goes through: the only difference is the key.
    const own = nextEvent(cClient, 'chat message');
    await c.send(apiCalls.emit('c1', 'chat message', ['c alone']));
    expect(await own).toEqual(['c alone']);
    expect(heard).toBe(1);
    expect(c.events.some((e) => e.flow === flow)).toBe(false);
    const info = c.lab.info();
    expect(info.key).toBe('class-c');
    await expect
      .poll(() => c.lab.info().otherLabs.map((l) => [l.id, l.sharesChannels]), { timeout: 15_000 })
      .toEqual(
        [
          [a.lab.labId, false],
          [b.lab.labId, false],
        ].sort(),
      );
  });

  it('npm run server joins a lab on purpose: with --lab, or the only lab; never one of several by guess', async () => {
    const port = await freePort();
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'server/standalone.ts',
            '--name',
            's9',
            '--port',
            String(port),
            ...args,
          ],
          {
            env: { ...process.env, REDIS_URL: '', LAB_QUIET: '' },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.once('exit', (code) => resolve({ code, out }));
      });
    const url = a.lab.shared.url;
    const several = await run(['--redis', url]);
    expect(several.code).toBe(1);
    expect(several.out).toMatch(/this Redis has \d+ labs: .*Say which to join with --lab\./);
    const unknown = await run(['--redis', url, '--lab', 'zzzz']);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('no lab zzzz is on this Redis');
  });
});
