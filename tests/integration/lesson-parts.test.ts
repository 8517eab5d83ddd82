/**
 * The lesson parts beside the lab's servers, through the control API, on real Redis and on the
 * embedded broker: the Redis console (real commands, every frame as Redis sent it, an allow-list),
 * the plain app (a child process that really dies of the adapter's unhandled PUBLISH rejection,
 * and survives with the handlers), emits sent together, every server emitting, and the /game
 * namespace. Then the token an exposed hub asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, closeAllLabs, makeLab, numsub, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';
import type { ConsoleLine, LabEvent, PlainApp } from '../../trace/events.ts';

afterAll(closeAllLabs);

const since = (lab: TestLab) => {
  const from = lab.events.length;
  return () => lab.events.slice(from);
};

describe.each(BACKENDS)('the lesson parts (%s)', (backend) => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab(backend, { redisKind: 'owned' });
    await lab.send(
      apiCalls.setup({
        servers: 3,
        adapter: 'redis',
        clients: [{ server: 's1' }, { server: 's2' }, { server: 's3' }],
      }),
    );
  });
  afterAll(() => lab.close());

  const run = (connection: string, ...args: string[]) =>
    lab.send(apiCalls.consoleRun({ connection, args }));

  it('the console answers each channel of a SUBSCRIBE on its own, and hands messages over', async () => {
    const seen = since(lab);
    const sub = await run('A', 'SUBSCRIBE', 'red', 'green', 'blue');
    expect(sub.body.replies).toEqual([
      ['subscribe', 'red', 1],
      ['subscribe', 'green', 2],
      ['subscribe', 'blue', 3],
    ]);
    expect(await numsub(lab.admin, 'green')).toBe(1);
    expect((await run('B', 'PUBLISH', 'green', 'héllo <b>')).body.replies).toEqual([1]);
    // It may be here before PUBLISH's reply is: the console reports it as Redis sends it.
    const message = await lab.waitForEvent(
      (e) => e.kind === 'console' && e.dir === 'message' && e.connection === 'A',
      { past: true },
    );
    expect((message as ConsoleLine).value).toEqual(['message', 'green', 'héllo <b>']);
    const lines = seen().filter((e): e is ConsoleLine => e.kind === 'console');
    expect(lines.filter((l) => l.dir === 'reply' && l.command === 'SUBSCRIBE')).toHaveLength(3);
    // RESP2 and subscribed: Redis itself refuses.
    const refused = await run('A', 'PUBLISH', 'green', 'x');
    expect(refused.body.replies).toEqual([
      {
        error:
          "ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      },
    ]);
    const state = await lab.send(apiCalls.consoleState());
    expect(state.body.connections[0].subscriptions).toEqual({
      channels: ['red', 'green', 'blue'],
      patterns: [],
      shardChannels: [],
    });
  });

  it('under RESP3 a subscribed console connection may publish, and messages are pushes', async () => {
    await run('C', 'HELLO', '3');
    await run('C', 'PSUBSCRIBE', 'gr*');
    expect((await run('C', 'PUBLISH', 'green', 'from C')).body.replies).toEqual([2]);
    const push = await lab.waitForEvent(
      (e) => e.kind === 'console' && e.connection === 'C' && e.dir === 'message',
      { past: true },
    );
    expect(push).toMatchObject({ resp: 'push', value: ['pmessage', 'gr*', 'green', 'from C'] });
  });

  it('the console runs only its allow-list, and says so', async () => {
    const cases: [string, string[], RegExp][] = [
      ['A', ['FLUSHALL'], /runs only PING, ECHO/],
      ['A', ['HELLO', '3', 'AUTH', 'default', 'x'], /HELLO 2 or HELLO 3/],
      ['A', ['PUBSUB', 'HELP'], /PUBSUB CHANNELS/],
      ['A', ['PUBLISH', lab.lab.options.monitorChannel, 'x'], /the lab's own monitor channel/],
      ['A', ['SUBSCRIBE'], /needs at least one channel/],
      ['D', ['PING'], /connections are A, B, C/],
      ['A', ['PING', 'x'.repeat(201)], /1 to 200 characters/],
    ];
    for (const [connection, args, message] of cases) {
      const res = await lab.refusal(apiCalls.consoleRun({ connection, args }));
      expect(res.status, args.join(' ')).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });

  it('closing the console drops its subscriptions, and the lab is unharmed', async () => {
    await lab.send(apiCalls.consoleClose());
    await expect.poll(() => numsub(lab.admin, 'green')).toBe(0);
    const state = await lab.send(apiCalls.consoleState());
    expect(state.body.connections.every((c) => !c.open && c.lines.length === 0)).toBe(true);
  });

  it('emits sent together leave in one tick: each client sees its own message first', async () => {
    const seen = since(lab);
    const res = await lab.send(
      apiCalls.emitTogether([
        { client: 'c1', event: 'chat message', args: ['A'] },
        { client: 'c2', event: 'chat message', args: ['B'] },
      ]),
    );
    expect(res.status).toBe(200);
    await expect.poll(() => seen().filter((e) => e.kind === 'client.receive').length).toBe(6);
    const order = (c: string) =>
      seen()
        .filter((e) => e.kind === 'client.receive' && e.client === c)
        .map((e) => (e as { args: unknown[] }).args[0]);
    expect(order('c1')).toEqual(['A', 'B']);
    expect(order('c2')).toEqual(['B', 'A']);
    const bad = await lab.refusal(
      apiCalls.emitTogether([
        { client: 'c1', event: 'connect' },
        { client: 'c2', event: 'x' },
      ]),
    );
    expect(bad.status).toBe(400);
    expect((await lab.refusal(apiCalls.emitTogether([{ client: 'c1', event: 'x' }]))).status).toBe(
      400,
    );
  });

  it('every server emitting reaches each client once per server; io.local once', async () => {
    const seen = since(lab);
    await lab.send(apiCalls.serversEmit({ event: 'news', args: ['N1'] }));
    const copies = (text: string) =>
      seen().filter((e) => e.kind === 'client.receive' && e.client === 'c1' && (e as { args: unknown[] }).args[0] === text).length;
    await expect.poll(() => copies('N1')).toBe(3);
    await lab.send(apiCalls.serversEmit({ event: 'news', args: ['N2'], local: true }));
    await expect.poll(() => copies('N2')).toBe(1);
    const local = seen().filter((e) => e.kind === 'deliver' && e.local === true);
    expect(local.map((e) => e.server).sort()).toEqual(['s1', 's2', 's3']);
    expect((await lab.refusal(apiCalls.serversEmit({ event: 'disconnect' }))).status).toBe(400);
  }); // prettier-ignore

  it('a client of /game makes its server create the namespace and its adapter', async () => {
    const seen = since(lab);
    const made = await lab.send(apiCalls.addClients({ server: 's2', nsp: '/game' }));
    expect(made.status).toBe(201);
    await lab.waitForEvent(
      (e) => e.kind === 'redis.command' && e.server === 's2' && e.command === 'PSUBSCRIBE' && e.args.includes('socket.io#/game#*'),
      { past: true },
    );
    expect(seen().some((e) => e.kind === 'adapter.attach' && e.nsp === '/game' && e.server === 's2')).toBe(true);
    expect(seen().some((e) => e.kind === 'redis.command' && e.server !== 's2')).toBe(false);
    expect((await lab.refusal(apiCalls.addClients({ server: 's1', nsp: '/chat' }))).status).toBe(400);
  }); // prettier-ignore

  describe('the plain app', () => {
    const exit = (events: LabEvent[]) =>
      events.find((e): e is PlainApp => e.kind === 'plain.app' && e.what === 'exited');

    it('dies of one chat message while Redis is away, exit code 1; the lab does not', async () => {
      const started = await lab.send(apiCalls.plainAppStart());
      expect(started.status).toBe(201);
      expect(started.body.running).toBe(true);
      const seen = since(lab);
      await lab.send(apiCalls.redis('stop'));
      expect((await lab.send(apiCalls.plainAppEmit('boom'))).status).toBe(200);
      // The first exit of the file: it may be in before the emit's answer is.
      await lab.waitForEvent((e) => e.kind === 'plain.app' && e.what === 'exited', { past: true });
      expect(exit(seen())).toMatchObject({
        code: 1,
        text: "Error: Stream isn't writeable and enableOfflineQueue options is false",
      });
      expect(() => process.kill(started.body.pid!, 0)).toThrow();
      expect(lab.lab.servers.local.every((s) => s.state === 'up')).toBe(true);
      expect((await lab.refusal(apiCalls.plainAppEmit('x'))).status).toBe(409);
      await lab.send(apiCalls.redis('start'));
    }, 60_000); // prettier-ignore

    it('survives the same with the handlers, and stops when asked', async () => {
      await lab.send(apiCalls.plainAppStart({ guard: true }));
      const seen = since(lab);
      await lab.send(apiCalls.redis('stop'));
      await lab.send(apiCalls.plainAppEmit('fine'));
      await lab.waitForEvent(
        (e) => e.kind === 'plain.app' && e.what === 'output' && /survived/.test(e.text ?? ''),
        { past: true },
      );
      expect(exit(seen())).toBeUndefined();
      expect(seen().some((e) => e.kind === 'plain.app' && e.what === 'received' && e.text === 'fine')).toBe(true);
      await lab.send(apiCalls.redis('start'));
      const stopped = await lab.send(apiCalls.plainAppStop());
      expect(stopped.body).toMatchObject({ running: false, lastExit: { text: 'stopped by the lab' } });
      // Raw on purpose: a field of the wrong type, which no builder makes.
      expect((await lab.api('POST', '/api/plain-app', { guard: 'yes' })).status).toBe(400);
    }, 60_000); // prettier-ignore
  });
});

describe('the lesson parts on an exposed hub', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab('redis', { servers: 1, host: '0.0.0.0', token: 'class-token' });
  });
  afterAll(() => lab.close());

  it('read freely, but change only with the token', async () => {
    expect((await lab.send(apiCalls.consoleState())).status).toBe(200);
    const ping = apiCalls.consoleRun({ connection: 'A', args: ['PING'] });
    expect((await lab.refusal(ping)).status).toBe(401);
    expect((await lab.refusal(apiCalls.plainAppStart())).status).toBe(401);
    expect((await lab.refusal(apiCalls.serversEmit({ event: 'x' }))).status).toBe(401);
    const ok = await lab.send(ping, 'class-token');
    expect(ok.body.replies).toEqual(['PONG']);
  }); // prettier-ignore
});
