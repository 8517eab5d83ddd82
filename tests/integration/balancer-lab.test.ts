/**
 * The lab with its balancer, through the control API, on both backends and with both kinds of
 * balancer (nginx, and the Node proxy with a PATH without nginx): lab clients through it in each
 * mode and with each transport choice, what the trace shows of their HTTP requests, and the
 * mode switched live.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpRequest, LabEvent, TransportUpgrade } from '../../trace/events.ts';
import type { ClientTransports, LabInfo } from '../../trace/lab-info.ts';
import { BACKENDS, makeLab, until, type Backend, type TestLab } from '../support/lab-fixture.ts';
import { PATH_WITHOUT_NGINX, balancerKinds } from '../support/balancer-fixture.ts';
import { apiCalls, type ApiRefusal, type ClientSpec } from '../../trace/api-calls.ts';

type Client = LabInfo['clients'][number];
const POLLING: ClientTransports = ['polling', 'websocket'];

const combos = BACKENDS.flatMap((backend) =>
  balancerKinds().map((kind) => [kind, backend] as const),
);

const isHttp = (e: LabEvent): e is HttpRequest => e.kind === 'http.request';

async function requestsOf(
  lab: TestLab,
  client: string,
  n: number,
  pred = (_e: HttpRequest) => true,
) {
  await until(
    () => lab.events.filter((e) => isHttp(e) && e.client === client && pred(e)).length >= n,
    10_000,
    `${n} requests of ${client}`,
  );
  return lab.events.filter((e): e is HttpRequest => isHttp(e) && e.client === client);
}

describe.each(combos)('through the %s balancer, on %s', (kind, backend: Backend) => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab(backend, {
      balancer: { mode: 'round-robin', pathEnv: kind === 'node' ? PATH_WITHOUT_NGINX : undefined },
    });
  });
  afterAll(() => lab?.close());
  beforeEach(async () => {
    for (const c of lab.lab.clients.list()) lab.lab.clients.remove(c.id);
    const { status } = await lab.send(apiCalls.balancer('round-robin'));
    expect(status).toBe(200);
  });

  const addClients = async (body: ClientSpec & { count?: number }) => {
    const res = await lab.send(apiCalls.addClients({ via: 'balancer', ...body }));
    expect(res.status).toBe(201);
    return res.body;
  };

  /** `from` sends a chat message; resolves once every one of `made` has reported it. */
  const chatHeardByAll = async (from: string, text: string, made: Client[]) => {
    await lab.send(apiCalls.emit(from, 'chat message', [text]));
    for (const c of made)
      await lab.waitForEvent(
        (e) => e.kind === 'client.receive' && e.client === c.id && e.args[0] === text,
        { past: true },
      );
  };

  it('GET /api/lab says where the balancer listens, its mode, and which kind runs it', async () => {
    const { body } = await lab.send(apiCalls.lab());
    expect(body.balancer).toEqual({ port: expect.any(Number), mode: 'round-robin', kind });
  });

  it('round-robin, websocket only: each client goes to the next server, and a broadcast reaches them all', async () => {
    const made = await addClients({ count: 3 });
    expect(made.map((c) => c.state)).toEqual(['connected', 'connected', 'connected']);
    expect(new Set(made.map((c) => c.server))).toEqual(new Set(['s1', 's2', 's3']));
    expect(made.every((c) => c.via === 'balancer' && c.transports === undefined)).toBe(true);
    await chatHeardByAll(made[0].id, 'via lb', made);
    const handshakes = await requestsOf(lab, made[2].id, 1);
    expect(handshakes[0]).toMatchObject({
      what: 'handshake',
      transport: 'websocket',
      status: 101,
      step: '1b',
      balancer: 'round-robin',
    });
  });

  it('round-robin, polling first: the request after the handshake meets 400 Session ID unknown, again and again', async () => {
    const [client] = await addClients({ transports: POLLING });
    expect(client).toMatchObject({ state: 'disconnected', via: 'balancer', transports: POLLING });
    const requests = await requestsOf(
      lab,
      client.id,
      2,
      (e) => e.what === 'handshake' && e.status === 200,
    );
    await requestsOf(lab, client.id, 2, (e) => e.error === 'Session ID unknown');
    for (const refused of requests.filter((e) => e.status === 400)) {
      const opened = requests.find((e) => e.what === 'handshake' && e.sid === refused.sid);
      if (opened) expect(refused.server).not.toBe(opened.server);
      expect(refused.balancer).toBe('round-robin');
    }
    expect(lab.events.some((e) => e.kind === 'transport.upgrade' && e.client === client.id)).toBe(
      false,
    );
    expect(lab.lab.clients.get(client.id)?.state).toBe('disconnected');
  });

  it('switched to sticky live, the same polling client gets in: one server for its session, then the upgrade', async () => {
    const [client] = await addClients({ transports: POLLING });
    await requestsOf(lab, client.id, 1, (e) => e.error === 'Session ID unknown');
    const { status, body } = await lab.send(apiCalls.balancer('sticky'));
    expect(status).toBe(200);
    expect(body).toEqual({ port: expect.any(Number), mode: 'sticky', kind });
    const upgraded = (await lab.waitForEvent(
      (e) => e.kind === 'transport.upgrade' && e.client === client.id,
      { past: true },
    )) as TransportUpgrade;
    expect(upgraded).toMatchObject({
      from: 'polling',
      to: 'websocket',
      balancer: 'sticky',
      step: '1b',
    });
    const session = await requestsOf(
      lab,
      client.id,
      1,
      (e) => e.sid === upgraded.sid && e.what === 'upgrade',
    );
    const mine = session.filter((e) => e.sid === upgraded.sid);
    expect(mine.map((e) => e.what)).toEqual(
      expect.arrayContaining(['handshake', 'send', 'upgrade']),
    );
    expect(new Set(mine.map((e) => e.server))).toEqual(new Set([upgraded.server]));
    expect(mine.every((e) => e.status < 400 && e.balancer === 'sticky')).toBe(true);
    await until(() => lab.lab.clients.get(client.id)?.state === 'connected');
    expect(lab.lab.clients.get(client.id)?.server).toBe(upgraded.server);
  });

  it('sticky, polling first: clients spread over the servers, keep their sessions, and hear a broadcast', async () => {
    await lab.send(apiCalls.balancer('sticky'));
    const made = await addClients({ count: 3, transports: POLLING });
    await until(() => made.every((c) => lab.lab.clients.get(c.id)?.state === 'connected'));
    expect(new Set(made.map((c) => lab.lab.clients.get(c.id)?.server))).toEqual(
      new Set(['s1', 's2', 's3']),
    );
    await chatHeardByAll(made[1].id, 'sticky', made);
    const refused = lab.events.filter(
      (e) => isHttp(e) && made.some((c) => c.id === e.client) && e.status >= 400,
    );
    expect(refused).toEqual([]);
  });

  it('a client the balancer placed on a server that stops reconnects through it to another one', async () => {
    await lab.send(apiCalls.balancer('sticky'));
    const [client] = await addClients({});
    const before = client.server;
    expect((await lab.send(apiCalls.server(before, 'stop'))).status).toBe(200);
    await until(() => {
      const now = lab.lab.clients.get(client.id);
      return now?.state === 'connected' && now.server !== before;
    });
    expect((await lab.send(apiCalls.server(before, 'start'))).status).toBe(200);
  });

  it('switched off, nothing listens on its port, and a client through it is refused with a sentence', async () => {
    const { body: on } = await lab.send(apiCalls.lab());
    const { status, body } = await lab.send(apiCalls.balancer('off'));
    expect([status, body]).toEqual([200, { port: on.balancer!.port, mode: 'off', kind }]);
    await expect(fetch(`http://127.0.0.1:${on.balancer!.port}/socket.io/`)).rejects.toThrow();
    const refused = await lab.refusal(apiCalls.addClients({ via: 'balancer' }));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/balancer is off/);
  });
});

describe('the balancer through the API, on one lab', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab(BACKENDS[0], { balancer: { mode: 'off' } });
  });
  afterAll(() => lab?.close());

  it.each([
    [{ mode: 'sideways' }, 'mode'],
    [{}, 'mode'],
  ])('POST /api/balancer %j is a 400 naming the field', async (body, field) => {
    // Raw on purpose: a body without a mode, which the builder cannot make.
    const res = await lab.api<ApiRefusal>('POST', '/api/balancer', body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(res.body.error).toMatch(/sticky, round-robin, off/);
  });

  it.each([
    [{ via: 'balancer', transports: ['polling'] }, 'transports'],
    [{ transports: 'websocket' }, 'transports'],
    [{ via: 'proxy' }, 'via'],
    [{ via: 'balancer', server: 's1' }, 'server'],
  ])('POST /api/clients %j is a 400 naming the field', async (body, field) => {
    await lab.send(apiCalls.balancer('round-robin'));
    // Raw on purpose: transports and routes the builder's types do not allow.
    const res = await lab.api<ApiRefusal>('POST', '/api/clients', body);
    expect([res.status, res.body.field]).toEqual([400, field]);
  });

  it('a setup can switch the balancer and make its clients through it, polling first', async () => {
    const res = await lab.send(
      apiCalls.setup({
        servers: 2,
        balancer: 'sticky',
        clients: [{ via: 'balancer', transports: POLLING }, { server: 's2' }],
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.balancer?.mode).toBe('sticky');
    expect(res.body.clients.map((c) => [c.id, c.via ?? 'server'])).toEqual([
      ['c1', 'balancer'],
      ['c2', 'server'],
    ]);
    await lab.waitForEvent((e) => e.kind === 'transport.upgrade' && e.client === 'c1', {
      past: true,
    });
  });
});

describe('an exposed lab', () => {
  it('asks for its token to switch the balancer, like every change', async () => {
    const lab = await makeLab(BACKENDS[0], {
      servers: 1,
      host: '0.0.0.0',
      token: 'class-token',
      balancer: { mode: 'off' },
    });
    try {
      expect((await lab.refusal(apiCalls.balancer('sticky'))).status).toBe(401);
      const ok = await lab.send(apiCalls.balancer('round-robin'), 'class-token');
      expect(ok.status).toBe(200);
    } finally {
      await lab.close();
    }
  });
});
