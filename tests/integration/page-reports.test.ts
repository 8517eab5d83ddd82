/**
 * A page reports its clients and what they received through the control API (one door): with
 * the token on an exposed hub, under a rate limit, and only while its /lab socket, which only
 * reads, is connected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { makeLab, nextEvent, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls, type PageClientReport } from '../../trace/api-calls.ts';

const TOKEN = 'page-door-secret';

describe('page reports through the control API', () => {
  let lab: TestLab;
  let page: Socket;
  beforeAll(async () => {
    lab = await makeLab('redis', { servers: 2, host: '0.0.0.0', token: TOKEN });
    page = connect(`${lab.url}/lab`, { transports: ['websocket'] });
    await nextEvent(page, 'hello', 10_000);
  });
  afterAll(async () => {
    page?.close();
    await lab?.close();
  });

  const listed = async () =>
    (await lab.send(apiCalls.lab())).body.clients.filter((c) => c.kind === 'page');

  it('asks an exposed hub for its token, and refuses a page with no /lab socket (409)', async () => {
    const report = apiCalls.pageClients(page.id!, []);
    expect((await lab.send(report)).status).toBe(401);
    const stranger = await lab.refusal(apiCalls.pageClients('no-such-page', []), TOKEN);
    expect(stranger.status).toBe(409);
    expect(stranger.body.error).toMatch(/\/lab socket "no-such-page"/);
    // Raw on purpose: a report without its page, which the builder cannot make.
    const bad = await lab.api('POST', '/api/page/receipts', { receipts: [] }, TOKEN);
    expect(bad).toMatchObject({ status: 400, body: { field: 'page' } });
  });

  it("lists the page's clients and reports their receipts with the flow the server wrote", async () => {
    const p1 = await lab.client('s2', { labClient: 'p1' });
    const me: PageClientReport = {
      id: 'p1',
      server: 's2',
      socketId: p1.id,
      rooms: [],
      state: 'connected',
    };
    const told = await lab.send(apiCalls.pageClients(page.id!, [me]), TOKEN);
    expect(told).toEqual({ status: 200, body: { clients: 1 } });
    expect(await listed()).toMatchObject([{ id: 'p1', kind: 'page', server: 's2' }]);

    const got = nextEvent<string>(p1, 'chat message');
    const [sender] = (await lab.send(apiCalls.addClients({ server: 's1' }), TOKEN)).body;
    await lab.send(apiCalls.emit(sender.id, 'chat message', ['through one door']), TOKEN);
    expect(await got).toEqual(['through one door']);
    const emitted = await lab.waitForEvent(
      (e) => e.kind === 'client.emit' && e.client === sender.id,
      { past: true },
    );
    const receipt = lab.waitForEvent((e) => e.kind === 'client.receive' && e.client === 'p1');
    const sent = await lab.send(
      apiCalls.pageReceipts(page.id!, [
        { client: 'p1', socketId: p1.id!, server: 's2', event: 'chat message', args: ['x'] },
      ]),
      TOKEN,
    );
    expect(sent).toEqual({ status: 200, body: { receipts: 1 } });
    expect(await receipt).toMatchObject({ server: 's2', flow: emitted.flow });
  });

  it('takes nothing from the /lab socket: the old report messages change nothing', async () => {
    const server = lab.hub.io.of('/lab').sockets.get(page.id!)!;
    const arrived = new Promise<void>((resolve) => server.onAny(() => resolve()));
    page.emit('page.clients', [{ id: 'p9', server: 's1', state: 'connected', rooms: [] }]);
    await arrived;
    await new Promise((resolve) => setImmediate(resolve));
    expect((await listed()).map((c) => c.id)).not.toContain('p9');
  });

  it('answers 429 past the per-page rate, saying when to try again', async () => {
    const batch = Array.from({ length: 100 }, () => ({}));
    let refused: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const r = await lab.send(apiCalls.pageReceipts(page.id!, batch as never), TOKEN);
      if (r.status !== 200) refused = r;
    }
    expect(refused?.status).toBe(429);
    expect((refused?.body as unknown as { error: string }).error).toMatch(
      /more than 200 a second; try again in \d+ ms/,
    );
  });

  it("drops the page's clients with its socket, and refuses its reports after (409)", async () => {
    const id = page.id!;
    const gone = new Promise<void>((resolve) => lab.lab.once('change', () => resolve()));
    page.close();
    await gone;
    expect(await listed()).toEqual([]);
    expect((await lab.send(apiCalls.pageClients(id, []), TOKEN)).status).toBe(409);
    expect(lab.lab.pages.size).toBe(0);
  });
});
