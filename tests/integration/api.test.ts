import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls, type ApiCall, type ApiRefusal } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

describe('the control API on loopback', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab('redis', { servers: 2 });
  });
  afterAll(() => lab.close());

  it('GET /api/lab describes Redis with no password, the adapter, servers and clients', async () => {
    const { status, body } = await lab.send(apiCalls.lab());
    expect(status).toBe(200);
    expect(body.redis).toMatchObject({ kind: 'external', state: 'up', controllable: false });
    expect(body.redis.version).toMatch(/^\d+\./);
    expect(body.adapter).toBe('redis');
    expect(body.servers.map((s) => [s.id, s.state])).toEqual([
      ['s1', 'up'],
      ['s2', 'up'],
    ]);
    expect(body.auth).toBe(false);
  });

  it('makes lab clients on the least loaded server, lets them emit, and removes them', async () => {
    const made = await lab.send(apiCalls.addClients({ count: 2 }));
    expect(made.status).toBe(201);
    expect(made.body.map((c) => c.server)).toEqual(['s1', 's2']);
    expect(made.body.every((c) => c.state === 'connected')).toBe(true);
    const who = await lab.send(apiCalls.emit<{ server: string }>(made.body[1].id, 'whoami'));
    expect(who.body.reply.server).toBe('s2');
    const received = lab.waitForEvent(
      (e) =>
        e.kind === 'client.receive' && e.client === made.body[1].id && e.event === 'chat message',
    );
    await lab.send(apiCalls.emit(made.body[0].id, 'chat message', ['via the API']));
    expect(await received).toMatchObject({ args: ['via the API'], server: 's2' });
    expect((await lab.send(apiCalls.removeClient(made.body[0].id))).status).toBe(200);
    expect((await lab.send(apiCalls.lab())).body.clients.map((c) => c.id)).toEqual([
      made.body[1].id,
    ]);
  });

  it('adds a server on the next free port and removes it', async () => {
    const added = await lab.send(apiCalls.addServer());
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 's3', state: 'up' });
    // The next free port above s2's: usually s2 + 1, unless an outgoing connection of another
    // test holds that port as its ephemeral local port at that moment.
    expect(added.body.port).toBeGreaterThan(lab.lab.server('s2').port);
    expect(added.body.port).toBeLessThan(lab.lab.server('s2').port + 50);
    expect(lab.lab.info().servers.find((s) => s.id === 's3')?.port).toBe(added.body.port);
    expect((await lab.send(apiCalls.removeServer('s3'))).status).toBe(200);
    expect(lab.lab.info().servers.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  const refused: [string, ApiCall, string | undefined][] = [
    ['no clients', apiCalls.addClients({ count: 0 }), 'count'],
    ['a room named <b>', apiCalls.addClients({ rooms: ['ok', '<b>'] }), 'rooms'],
    ['an emit of an unknown client', apiCalls.emit('c99', 'chat message'), undefined],
    ['an unknown adapter', apiCalls.setup({ adapter: 'kafka' }), 'adapter'],
    ['11 servers', apiCalls.setup({ servers: 11 }), 'servers'],
  ];
  it.each(refused)('%s is refused, naming the field', async (_what, call, fieldName) => {
    const res = await lab.refusal(call);
    expect(res.status).toBe(fieldName ? 400 : 404);
    expect(res.body.error).toMatch(/\w+/);
    expect(res.body.field).toBe(fieldName);
  });

  it('refuses a field of the wrong type, naming the field', async () => {
    // Raw on purpose: a count that is a string, which no builder makes.
    const res = await lab.api<ApiRefusal>('POST', '/api/clients', { count: 'two' });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('count');
  });

  it('answers 400 for a body that is not JSON, and 413 for one too big', async () => {
    // Raw on purpose: bodies no builder makes.
    const bad = await lab.api<{ error: string }>('POST', '/api/clients', '{count: 2');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
    const big = await lab.api('POST', '/api/clients', JSON.stringify({ pad: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
  });

  it('answers 404 for unknown ids and routes, 405 for a wrong method', async () => {
    expect((await lab.refusal(apiCalls.server('s9', 'stop'))).status).toBe(404);
    expect((await lab.refusal(apiCalls.removeClient('nobody'))).status).toBe(404);
    // Raw on purpose: a route and a method the hub does not have.
    expect((await lab.api('GET', '/api/nothing')).status).toBe(404);
    expect((await lab.api('GET', '/api/servers/s1/stop')).status).toBe(405);
  });

  it('answers 409 when asked to stop a Redis the lab did not start', async () => {
    const res = await lab.refusal(apiCalls.redis('stop'));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/did not start this Redis/);
  });
});

describe('the control API when the hub is exposed', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab('redis', { servers: 1, host: '0.0.0.0', token: 'classroom-secret' });
  });
  afterAll(() => lab.close());

  it('reads stay open, and the lab says it wants a token', async () => {
    const res = await lab.send(apiCalls.lab());
    expect(res.status).toBe(200);
    expect(res.body.auth).toBe(true);
  });

  it('refuses changes without the token, or with a wrong one', async () => {
    expect((await lab.refusal(apiCalls.server('s1', 'stop'))).status).toBe(401);
    expect((await lab.refusal(apiCalls.server('s1', 'stop'), 'wrong')).status).toBe(401);
    expect(lab.lab.server('s1').state).toBe('up');
  });

  it('accepts the token as a Bearer header or as ?token=', async () => {
    expect((await lab.send(apiCalls.server('s1', 'stop'), 'classroom-secret')).status).toBe(200);
    expect(lab.lab.server('s1').state).toBe('down');
    const start = apiCalls.server('s1', 'start');
    const withQuery = { ...start, path: `${start.path}?token=classroom-secret` };
    expect((await lab.send(withQuery)).status).toBe(200);
    expect(lab.lab.server('s1').state).toBe('up');
  });
});
