/**
 * A slow subscriber (issue 11 item 6), on redis-server and on the broker, each the lab's own:
 * `POST /api/servers/s2/cut {mode: "slow"}` makes s2's sub connection stop reading while
 * broadcasts go on, until Redis's `client-output-buffer-limit pubsub` (which the lab sets small
 * on a Redis it runs) makes Redis close it. The trace says so, the lost messages say why, and s2
 * subscribes again by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { BACKENDS, closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { chatArrives, say, subscribedAgain } from '../support/chat-arrival.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('a slow subscriber (%s)', (backend) => {
  let lab: TestLab;
  let s2Client: Socket;
  beforeAll(async () => {
    lab = await makeLab(backend, { redisKind: 'owned' });
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    s2Client = await lab.client('s2');
  });
  afterAll(() => lab.close());

  it('Redis cuts the slow subscriber off at the limit the lab set; the loss says why; s2 comes back', async () => {
    const before = await subscribedAgain(lab, 's2');
    const slowed = lab.waitForEvent((e) => e.kind === 'server.link' && e.link === 'slow');
    const res = await lab.send(apiCalls.cut('s2', { mode: 'slow' }));
    expect(res).toMatchObject({ status: 200, body: { link: 'slow' } });
    // The lab runs this Redis, so it set its small limit (1mb 256kb 2) there.
    expect(await slowed).toMatchObject({ limit: 'pubsub 1048576 262144 2' });
    expect(String(await lab.admin.call('CONFIG', 'GET', 'client-output-buffer-limit'))).toContain(
      'pubsub 1048576 262144 2',
    );

    const cutOff = lab.waitForEvent(
      (e) => e.kind === 'server.link' && e.server === 's2' && e.closedBy === 'redis',
      { timeoutMs: 60_000 },
    );
    const dropped = lab.waitForEvent(
      (e) => e.kind === 'redis.disconnect' && e.server === 's2' && e.role === 'sub',
      { timeoutMs: 60_000 },
    );
    // Broadcasts go on: 60 KB chat messages from c1, at the servers' flood limit for one client,
    // until Redis has had enough of s2.
    const burst = lab.send(apiCalls.burst('c1', { count: 150, bytes: 60_000 }));
    const link = await cutOff;
    expect(link).toMatchObject({ link: 'open', limit: 'pubsub 1048576 262144 2' });
    // Redis gave no reason on the wire; the tap's disconnect carries the lab's reading of it.
    expect(await dropped).toMatchObject({
      error: expect.stringMatching(
        /^Redis closed it while it was not reading: client-output-buffer-limit pubsub 1048576 262144 2/,
      ),
    });
    // ioredis connects again and subscribes anew, by itself: a new connection.
    expect(await subscribedAgain(lab, 's2')).not.toBe(before);
    expect(s2Client.connected).toBe(true);

    const back = chatArrives(s2Client, 'after the cut-off');
    await say(lab, 'after the cut-off');
    await back;

    expect((await burst).body.sent).toBe(150);
    await lab.waitForEvent(
      (e) => e.kind === 'client.emit' && String(e.args?.[0]).startsWith('burst 150/150 '),
      { past: true },
    );
    const flows = lab.events
      .filter((e) => e.kind === 'client.emit' && String(e.args?.[0]).startsWith('burst '))
      .map((e) => e.flow!);
    expect(flows).toHaveLength(150);
    const last = flows[flows.length - 1];
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === last,
      { past: true },
    );
    const state = reduceAll(lab.events as LabEvent[]);
    const outcomes = flows.map((f) => reconcile(state, f)!);
    // c3 got every one; c2 got those the kernel held before the cut-off, late, and lost the rest.
    expect(outcomes.every((r) => r.delivered.some((d) => d.client === 'c3'))).toBe(true);
    const c2Lost = outcomes.flatMap((r) => r.lost.filter((l) => l.client === 'c2'));
    expect(c2Lost.length).toBeGreaterThan(0);
    expect(c2Lost[0]).toMatchObject({
      reason: 'cut-off',
      detail: "s2's subscriber fell behind and Redis cut it off",
    });
    expect(outcomes.some((r) => r.delivered.some((d) => d.client === 'c2'))).toBe(true);
    const listed = await lab.send(apiCalls.lab());
    expect(listed.body.servers.find((s) => s.id === 's2')?.link).toBeUndefined();
  });

  it('heal before the limit: what waited arrives late, the connection never closed', async () => {
    const before = await subscribedAgain(lab, 's2');
    // The hub's events and s1's come in separate batches: the flow must start after the slow one.
    const slowed = lab.waitForEvent((e) => e.kind === 'server.link' && e.link === 'slow');
    await lab.send(apiCalls.cut('s2', { mode: 'slow' }));
    await slowed;
    const twice = await lab.refusal(apiCalls.cut('s2', { mode: 'slow' }));
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatch(/s2's link to Redis is slow; heal it first/);
    let arrived = false;
    const late = chatArrives(s2Client, 'while slow').then(() => (arrived = true));
    const flow = await say(lab, 'while slow');
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      { past: true },
    );
    expect(arrived).toBe(false);
    const r = reconcile(reduceAll(lab.events as LabEvent[]), flow)!;
    expect(r.lost).toEqual([
      expect.objectContaining({
        client: 'c2',
        detail: "s2's subscriber is slow: it has not read it yet",
      }),
    ]);
    expect((await lab.send(apiCalls.heal('s2'))).status).toBe(200);
    await late;
    expect(await subscribedAgain(lab, 's2')).toBe(before);
  });

  it('refuses a limit it cannot read, with a sentence', async () => {
    const bad = await lab.refusal(apiCalls.cut('s2', { mode: 'slow', limit: 'lots' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/"limit" is Redis's pubsub output buffer limit/);
    const listed = await lab.send(apiCalls.lab());
    expect(listed.body.servers.find((s) => s.id === 's2')?.link).toBeUndefined();
  });
});
