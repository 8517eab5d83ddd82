/**
 * Issue 19, defect 7: a standalone server (`npm run server`) is part of the lab. It is listed in
 * GET /api/lab as `remote` while it runs, a name that is taken is refused at its start, and the
 * lab never makes a second server with a name that is taken.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../server/free-port.ts';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  redisFor,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { killAllRuns, run, waitForOutput, type Run } from '../support/lab-process.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import { rosterChannel } from '../../server/lab-roster.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);
afterAll(killAllRuns);

type Listed = LabInfo['servers'][number];

/** A standalone server that joins lab `lab` on purpose (its id, as the lab's banner prints it). */
async function standalone(
  name: string,
  redisUrl: string,
  channel: string,
  lab: string,
): Promise<Run> {
  const port = await freePort();
  return run('server/standalone.ts', [
    '--name',
    name,
    '--port',
    String(port),
    '--redis',
    redisUrl,
    '--monitor-channel',
    channel,
    '--lab',
    lab,
  ]);
}

async function listed(lab: TestLab): Promise<Listed[]> {
  return (await lab.send(apiCalls.lab())).body.servers;
}

async function untilListed(lab: TestLab, check: (servers: Listed[]) => boolean, what: string) {
  await until(async () => check(await listed(lab)), 15_000, what);
}

describe.each(BACKENDS)('standalone servers in the lab (%s)', (backend) => {
  let lab: TestLab | null = null;
  afterEach(async () => {
    await killAllRuns();
    await lab?.close();
    lab = null;
  });

  it('is listed as remote while it runs, refuses lab changes with a 409, and leaves the list when it stops', async () => {
    lab = await makeLab(backend, { servers: 2 });
    const channel = lab.lab.options.monitorChannel;
    const s4 = await standalone('s4', lab.lab.redis.url, channel, lab.lab.labId);
    await waitForOutput(s4, 'Fanout Lab server s4 is up');
    await untilListed(lab, (l) => l.some((s) => s.id === 's4'), 's4 listed');
    const entry = (await listed(lab)).find((s) => s.id === 's4')!;
    expect(entry).toMatchObject({ kind: 'remote', state: 'up' });
    expect(entry.port).toBeGreaterThan(0);
    expect((await listed(lab)).filter((s) => s.kind === 'lab').map((s) => s.id)).toEqual([
      's1',
      's2',
    ]);

    const stop = await lab.refusal(apiCalls.server('s4', 'stop'));
    expect(stop.status).toBe(409);
    expect(stop.body.error).toMatch(/process of its own .*cannot stop/);
    const clients = await lab.refusal(apiCalls.addClients({ server: 's4' }));
    expect(clients.status).toBe(409);
    expect(clients.body.error).toMatch(/nor put lab clients on it/);
    expect((await lab.send(apiCalls.removeServer('s4'))).status).toBe(409);

    // The lab's next server is not a second s4.
    const added = await lab.send(apiCalls.addServer());
    expect(added.status).toBe(201);
    expect(added.body.id).toBe('s3');
    const again = await lab.send(apiCalls.addServer());
    expect(again.body.id).toBe('s5');
    expect((await listed(lab)).filter((s) => s.id === 's4')).toHaveLength(1);

    s4.child.kill('SIGTERM');
    expect(await s4.exited).toBe(0);
    await untilListed(lab, (l) => !l.some((s) => s.id === 's4'), 's4 gone from the list');
  });

  it('a name the lab uses is refused at start with a sentence', async () => {
    lab = await makeLab(backend, { servers: 2 });
    await lab.send(apiCalls.server('s2', 'stop'));
    for (const name of ['s1', 's2']) {
      const clash = await standalone(
        name,
        lab.lab.redis.url,
        lab.lab.options.monitorChannel,
        lab.lab.labId,
      );
      expect(await clash.exited).toBe(1);
      expect(clash.output()).toMatch(
        new RegExp(`fanout-lab server: a server named ${name} is already in this lab`),
      );
      expect(clash.output()).not.toMatch(/\n\s+at /);
    }
  });

  it('one that started before the lab is listed, and a setup that needs its name is refused', async () => {
    const redis = await redisFor(backend);
    const channel = `lab:monitor:early:${Date.now()}`;
    // It joins a lab that is not there yet, by the id the lab will have.
    const s2 = await standalone('s2', redis.url, channel, 'early');
    await waitForOutput(s2, 'Fanout Lab server s2 is up');
    lab = await makeLab(backend, { servers: 1, redis, monitorChannel: channel, labId: 'early' });
    await untilListed(lab, (l) => l.some((s) => s.id === 's2' && s.kind === 'remote'), 's2');
    const setup = await lab.refusal(apiCalls.setup({ servers: 3 }));
    expect(setup.status).toBe(409);
    expect(setup.body.error).toMatch(/s2/);
    expect((await listed(lab)).map((s) => [s.id, s.kind, s.state])).toEqual([
      ['s1', 'lab', 'up'],
      ['s2', 'remote', 'up'],
    ]);
  });

  it('one that dies without a word leaves the list once it stops answering', async () => {
    lab = await makeLab(backend, { servers: 1 });
    const s6 = await standalone(
      's6',
      lab.lab.redis.url,
      lab.lab.options.monitorChannel,
      lab.lab.labId,
    );
    await waitForOutput(s6, 'Fanout Lab server s6 is up');
    await untilListed(lab, (l) => l.some((s) => s.id === 's6'), 's6 listed');
    s6.child.kill('SIGKILL');
    await s6.exited;
    await untilListed(lab, (l) => !l.some((s) => s.id === 's6'), 's6 gone after its silence');
  });

  it('the roster channel takes anything without harm, and a claim on a lab name is told, not listed', async () => {
    lab = await makeLab(backend, { servers: 2 });
    const channel = rosterChannel(lab.lab.options.monitorChannel);
    const say = (message: unknown) =>
      lab!.admin.publish(channel, typeof message === 'string' ? message : JSON.stringify(message));
    for (const junk of ['{"v":1,', 'null', '[]', JSON.stringify({ v: 1, type: 'here', from: 'x' })])
      await say(junk);
    await say({
      v: 1,
      type: 'here',
      from: 'forger',
      servers: [{ id: 's1', port: 1, state: 'up', clients: 0 }],
    });
    await lab.waitForEvent(
      (e) => e.kind === 'lab.notice' && /A server named s1 in another process/.test(e.text),
      { past: true },
    );
    await say({
      v: 1,
      type: 'here',
      from: 'other',
      servers: [{ id: 's7', port: 4777, state: 'up', clients: 3 }],
    });
    await untilListed(lab, (l) => l.some((s) => s.id === 's7'), 's7 listed');
    expect((await listed(lab)).map((s) => [s.id, s.kind, s.clients])).toEqual([
      ['s1', 'lab', 0],
      ['s2', 'lab', 0],
      ['s7', 'remote', 3],
    ]);
    await say({ v: 1, type: 'leaving', from: 'other' });
    await untilListed(lab, (l) => !l.some((s) => s.id === 's7'), 's7 gone when it leaves');
    expect((await lab.send(apiCalls.lab())).status).toBe(200);
  });
});
