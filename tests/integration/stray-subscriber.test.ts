import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, closeAllLabs, makeLab, numsub, until } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

/** What `count sockets` acknowledges: fetchSockets' count, or its timeout. */
type Counted = { count?: number; error?: string };

describe.each(BACKENDS)('a stray subscriber on the request channel (%s)', (backend) => {
  it('inflates the server count, so fetchSockets times out; without it the count is right again', async () => {
    const lab = await makeLab(backend, { servers: 2 });
    await lab.lab.addClients('s1', 1);
    await lab.lab.addClients('s2', 1);
    expect((await lab.send(apiCalls.emit<Counted>('c1', 'count sockets'))).body.reply.count).toBe(
      2,
    );

    expect((await lab.send(apiCalls.straySubscriber(true))).status).toBe(200);
    expect((await lab.send(apiCalls.lab())).body.straySubscriber).toBe(true);
    expect(await numsub(lab.admin, 'socket.io-request#/#')).toBe(3);
    const started = Date.now();
    const stuck = await lab.send(apiCalls.emit<Counted>('c1', 'count sockets'));
    expect(stuck.body.reply.error).toBe('timeout reached while waiting for fetchSockets response');
    // The adapter's requestsTimeout is 5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);

    expect((await lab.send(apiCalls.straySubscriber(false))).status).toBe(200);
    // Redis drops a connection's subscriptions as it closes it, just after answering QUIT.
    await until(
      async () => (await numsub(lab.admin, 'socket.io-request#/#')) === 2,
      5000,
      'NUMSUB back to 2',
    );
    expect((await lab.send(apiCalls.emit<Counted>('c1', 'count sockets'))).body.reply.count).toBe(
      2,
    );
    await lab.close();
  });
});
