/**
 * `--adapter streams` end to end (issue 13 item 7), on redis-server and on the broker: a lab of
 * three servers joined by @socket.io/redis-streams-adapter, as the monitor sees it. A broadcast
 * is an XADD with its entry id; each other server's XREAD returns that entry as a receipt with
 * its decision; the stream holds it. What pub/sub loses, the stream keeps: a server cut off
 * from Redis reads what it missed when it is back, and a client whose server stopped and
 * started again is sent what it missed; the reconciliation says "recovered", not "lost".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { BACKENDS, closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';
import { STREAM_MAX_LEN } from '../../server/adapters/streams.ts';

import { chatArgs, say } from '../support/chat-arrival.ts';

afterAll(closeAllLabs);

type Of<K extends LabEvent['kind']> = Extract<LabEvent, { kind: K }>;

function ofKind<K extends LabEvent['kind']>(lab: TestLab, kind: K, flow?: string): Of<K>[] {
  return lab.events.filter(
    (e): e is Of<K> => e.kind === kind && (flow === undefined || e.flow === flow),
  );
}

describe.each(BACKENDS)('the streams adapter in the lab (%s)', (backend) => {
  let lab: TestLab;
  let stream: string;
  let s2: Socket;
  let s3: Socket;
  beforeAll(async () => {
    // A stream of its own: labs on the suite's shared Redis must not read each other's entries.
    stream = `streams-lab-${backend}-${process.pid}-${Date.now()}`;
    lab = await makeLab(backend, { adapter: 'streams', key: stream });
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
  afterAll(() => lab.close());

  it('a broadcast is one XADD with its entry id, and each server XREADs that entry', async () => {
    const attach = await lab.waitForEvent(
      (e) => e.kind === 'adapter.attach' && e.server === 's2' && e.nsp === '/',
      { past: true },
    );
    expect(attach).toMatchObject({
      adapter: 'streams',
      stream: { name: stream, maxLen: STREAM_MAX_LEN },
    });
    // The servers report in their own batches (every 50 ms under traffic): a server's connect
    // can still be on its way when the warm-up's messages have arrived.
    const readers = () => ofKind(lab, 'redis.connect').filter((e) => e.role === 'xread');
    await until(() => readers().length >= 3, 5000, "every server's XREAD connection in the trace");
    expect(
      readers()
        .map((e) => e.server)
        .sort(),
    ).toEqual(['s1', 's2', 's3']);

    const got = chatArgs(s3, 'hello stream');
    const flow = await say(lab, 'hello stream');
    // The offset the client recovers from comes as the event's last argument.
    const [, offset] = (await got).args;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      {
        past: true,
      },
    );
    const publishes = ofKind(lab, 'publish', flow);
    expect(publishes).toEqual([
      expect.objectContaining({ server: 's1', command: 'XADD', channel: stream }),
    ]);
    expect(publishes[0].message).toMatchObject({
      kind: 'broadcast',
      name: 'BROADCAST',
      event: 'chat message',
    });
    const result = await lab.waitForEvent((e) => e.kind === 'publish.result' && e.flow === flow, {
      past: true,
    });
    const entryId = (result as Of<'publish.result'>).entryId!;
    expect(entryId).toMatch(/^\d+-\d+$/);
    expect(offset).toBe(entryId);
    // Redis holds it: the entry is in the stream, with the fields the adapter wrote.
    const [[id, fields]] = (await lab.admin.xrange(stream, entryId, entryId)) as [
      string,
      string[],
    ][];
    expect(id).toBe(entryId);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['uid', 'nsp', 'type', 'data']);

    await until(() => ofKind(lab, 'receive', flow).length === 3, 10_000, 'three receipts');
    const receipts = ofKind(lab, 'receive', flow);
    expect(receipts.map((r) => [r.server, r.via, r.channel, r.entryId, r.decision]).sort()).toEqual(
      [
        ['s1', 'xread', stream, entryId, 'own-message'],
        ['s2', 'xread', stream, entryId, 'delivered'],
        ['s3', 'xread', stream, entryId, 'delivered'],
      ],
    );
    // Decisions, deliveries and the reconciliation of a broadcast are every mode's
    // (every-mode.test.ts); a stream's own is that nobody got it late.
    const r = reconcile(reduceAll(lab.events), flow)!;
    expect(r.delivered.every((d) => d.recovered === undefined)).toBe(true);
  });

  it('a server cut off from Redis reads what it missed when it is back: recovered, not lost', async () => {
    // The reconciliation judges by what the trace knew at emit time: the cut comes first.
    const linked = lab.waitForEvent((e) => e.kind === 'server.link' && e.server === 's2');
    const cut = await lab.send(apiCalls.cut('s2'));
    expect(cut.status).toBe(200);
    expect(await linked).toMatchObject({ link: 'cut' });
    const late = chatArgs(s2, 'during the cut', 30_000);
    const across = chatArgs(s3, 'during the cut');
    const flow = await say(lab, 'during the cut');
    await across;
    expect(ofKind(lab, 'receive', flow).filter((r) => r.server === 's2')).toEqual([]);
    const heal = await lab.send(apiCalls.heal('s2'));
    expect(heal.status).toBe(200);
    await late;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c2' && e.flow === flow,
      {
        past: true,
        timeoutMs: 20_000,
      },
    );
    const r = reconcile(reduceAll(lab.events), flow)!;
    expect(r.lost).toEqual([]);
    expect(r.delivered.find((d) => d.client === 'c2')).toMatchObject({
      recovered: 'catch-up',
      detail: expect.stringContaining('read it from the stream from its last entry id'),
    });
  });

  it('a client whose server stopped is sent what it missed when it comes back', async () => {
    const stopped = await lab.send(apiCalls.server('s3', 'stop'));
    expect(stopped.status).toBe(200);
    const flow = await say(lab, 'while s3 was away');
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c2' && e.flow === flow,
      {
        past: true,
      },
    );
    const missed = chatArgs(s3, 'while s3 was away', 30_000);
    const started = await lab.send(apiCalls.server('s3', 'start'));
    expect(started.status).toBe(200);
    await missed;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c3' && e.flow === flow,
      {
        past: true,
        timeoutMs: 20_000,
      },
    );
    // The client's report is the hub's own; the server's batch may come a moment later.
    const back = (await lab.waitForEvent(
      (e) => e.kind === 'client.connect' && e.server === 's3' && e.client === 'c3' && !!e.recovered,
      { past: true },
    )) as Of<'client.connect'>;
    const recovered = (await lab.waitForEvent(
      (e) => e.kind === 'session.recover' && e.socketId === back.socketId,
      { past: true },
    )) as Of<'session.recover'>;
    expect(recovered).toMatchObject({ server: 's3', recovered: true });
    expect(recovered.missed.map((m) => m.flow)).toContain(flow);
    // The same socket as before the stop.
    expect(
      ofKind(lab, 'client.disconnect').some(
        (e) => e.client === 'c3' && e.socketId === back.socketId,
      ),
    ).toBe(true);
    const r = reconcile(reduceAll(lab.events), flow)!;
    expect(r.lost).toEqual([]);
    expect(r.delivered.find((d) => d.client === 'c3')).toMatchObject({
      recovered: 'session',
      detail: expect.stringContaining('within maxDisconnectionDuration'),
    });
  });

  it('POST /api/lab/setup {adapter: "streams"} rebuilds the lab on the stream', async () => {
    const res = await lab.send(apiCalls.setup({ adapter: 'streams', servers: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.adapter).toBe('streams');
    expect(res.body.servers).toHaveLength(2);
    const bad = await lab.refusal(apiCalls.setup({ adapter: 'stream' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('streams');
  });
});
