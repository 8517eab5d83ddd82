/**
 * Cutting a server off Redis without stopping it (issue 11 item 5), on redis-server and on the
 * broker: `POST /api/servers/{id}/cut` resets (or freezes) the lab's relay between the server's
 * adapter connections and Redis, and `/heal` lets bytes through again. The server keeps its
 * clients; what needed Redis is lost, and the reconciliation says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import {
  BACKENDS,
  clientNames,
  closeAllLabs,
  makeLab,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { chatArrives, say, subscribedAgain } from '../support/chat-arrival.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls, type ApiRefusal } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('cutting a server off Redis (%s)', (backend) => {
  let lab: TestLab;
  let s2Client: Socket;
  let s3Client: Socket;
  beforeAll(async () => {
    lab = await makeLab(backend);
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    s2Client = await lab.client('s2');
    s3Client = await lab.client('s3');
  });
  afterAll(() => lab.close());

  it('cut: s2 keeps its clients, loses what came through Redis, and the loss says why', async () => {
    // Traffic before the cut, so the cut lands on a link in use.
    const before = chatArrives(s2Client, 'before the cut');
    await say(lab, 'before the cut');
    await before;

    const linked = lab.waitForEvent((e) => e.kind === 'server.link' && e.server === 's2');
    const res = await lab.send(apiCalls.cut('s2', {}));
    expect(res).toMatchObject({ status: 200, body: { id: 's2', state: 'up', link: 'cut' } });
    expect(await linked).toMatchObject({ link: 'cut' });
    await until(
      async () =>
        !(await clientNames(lab.admin, lab.lab.labId)).some((n) => /^s2:(pub|sub)$/.test(n)),
      10_000,
      "s2's connections to leave CLIENT LIST",
    );
    expect(s2Client.connected).toBe(true);
    const lab1 = await lab.send(apiCalls.lab());
    expect(lab1.body.servers.find((s) => s.id === 's2')).toMatchObject({ link: 'cut' });

    const across = chatArrives(s3Client, 'during the cut');
    const flow = await say(lab, 'during the cut');
    await across;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      { past: true },
    );
    const r = reconcile(reduceAll(lab.events as LabEvent[]), flow)!;
    expect(r.delivered.map((d) => d.client).sort()).toEqual(['c1', 'c3']);
    expect(r.lost).toEqual([
      expect.objectContaining({
        client: 'c2',
        server: 's2',
        reason: 'cut-off',
        detail: 's2 was cut off from Redis',
      }),
    ]);

    // A broadcast of s2's own still reaches its own clients (local delivery needs no Redis),
    // and the clients elsewhere are lost for the same reason.
    const local = chatArrives(s2Client, 'local to s2');
    const emitted = lab.waitForEvent((e) => e.kind === 'client.emit' && e.client === 'c2');
    await lab.send(apiCalls.emit('c2', 'chat message', ['local to s2']));
    await local;
    const s2Flow = (await emitted).flow!;
    const r2 = reconcile(reduceAll(lab.events as LabEvent[]), s2Flow)!;
    expect(r2.lost.find((l) => l.client === 'c1')).toMatchObject({
      reason: 'cut-off',
      detail: 's2 was cut off from Redis',
    });
  });

  it('heal: s2 reconnects and delivery across servers comes back', async () => {
    const res = await lab.send(apiCalls.heal('s2'));
    expect(res.status).toBe(200);
    expect(res.body.link).toBeUndefined();
    await subscribedAgain(lab, 's2');
    const back = chatArrives(s2Client, 'after the heal');
    const flow = await say(lab, 'after the heal');
    await back;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c2' && e.flow === flow,
      { past: true },
    );
    const r = reconcile(reduceAll(lab.events as LabEvent[]), flow)!;
    expect(r.lost).toEqual([]);
  });

  it('freeze then heal: what was sent during the freeze arrives late, nothing closed', async () => {
    await subscribedAgain(lab, 's2');
    const res = await lab.send(apiCalls.cut('s2', { mode: 'freeze' }));
    expect(res).toMatchObject({ status: 200, body: { link: 'frozen' } });
    let lateAt = 0;
    const late = chatArrives(s2Client, 'during the freeze').then((t) => (lateAt = t));
    const across = chatArrives(s3Client, 'during the freeze');
    const flow = await say(lab, 'during the freeze');
    await across;
    // s3's report of it has come back through Redis and the hub, a longer way than s2's copy
    // would take on an open link: that copy waits in the frozen relay.
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      { past: true },
    );
    expect(lateAt).toBe(0);
    const healedAt = Date.now();
    const healed = await lab.send(apiCalls.heal('s2'));
    expect(healed.status).toBe(200);
    await late;
    expect(lateAt).toBeGreaterThanOrEqual(healedAt);
    // Nothing was closed: s2's connections stayed on Redis throughout.
    const names = await clientNames(lab.admin, lab.lab.labId);
    expect(names).toEqual(expect.arrayContaining(['s2:pub', 's2:sub']));
  });

  it('refuses bad requests with a sentence', async () => {
    // Raw on purpose: a mode the builder's type does not allow.
    const mode = await lab.api<ApiRefusal>('POST', '/api/servers/s2/cut', { mode: 'sideways' });
    expect(mode.status).toBe(400);
    expect(mode.body.error).toMatch(/"mode" must be "reset" .*"freeze" .* or "slow"/);
    for (const call of [apiCalls.cut('s9'), apiCalls.heal('s9')]) {
      const unknown = await lab.refusal(call);
      expect(unknown.status, call.path).toBe(404);
      expect(unknown.body.error).toMatch(/s9/);
    }
    await lab.send(apiCalls.server('s3', 'stop'));
    try {
      const down = await lab.refusal(apiCalls.cut('s3'));
      expect(down.status).toBe(409);
      expect(down.body.error).toMatch(/s3 is down.*start it first/);
    } finally {
      await lab.send(apiCalls.server('s3', 'start'));
    }
    const after = await lab.send(apiCalls.lab());
    expect(after.body.servers.every((s) => s.link === undefined)).toBe(true);
  });
});
