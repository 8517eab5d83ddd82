import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import {
  BACKENDS,
  closeAllLabs,
  collect,
  makeLab,
  nextEvent,
  type TestLab,
} from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('a Redis outage (%s)', (backend) => {
  let lab: TestLab;
  let a1: Socket, a2: Socket, b: Socket;

  beforeAll(async () => {
    // The lab owns this Redis, so it can stop and start it.
    lab = await makeLab(backend, { redisKind: 'owned', servers: 2 });
    [a1, a2, b] = await Promise.all([lab.client('s1'), lab.client('s1'), lab.client('s2')]);
  });
  afterAll(() => lab.close());

  it('servers keep serving their own clients, broadcasts stay local, and the API says so', async () => {
    const res = await lab.send(apiCalls.redis('stop'));
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('down');
    expect((await lab.send(apiCalls.lab())).body.redis.state).toBe('down');

    const remote = collect(b, 'chat message');
    const local = Promise.all([a1, a2].map((s) => nextEvent(s, 'chat message')));
    a1.emit('chat message', 'during the outage');
    expect(await local).toEqual([['during the outage'], ['during the outage']]);
    // b's own server still answers it: its local broadcast arrives, and the outage one never did.
    const own = nextEvent(b, 'chat message');
    b.emit('chat message', 'b is alone');
    expect(await own).toEqual(['b is alone']);
    remote.stop();
    expect(remote.values).toEqual([['b is alone']]);
  });

  it('after a restart cross-server broadcasts flow again within 5 s, with no server restart', async () => {
    const started = Date.now();
    // The sub connections re-subscribe on their own; the monitor reports it.
    const resubscribed = ['s1', 's2'].map((s) =>
      lab.waitForEvent(
        (e) =>
          e.kind === 'redis.command' &&
          e.server === s &&
          e.command === 'PSUBSCRIBE' &&
          !e.error &&
          e.t >= started,
        {
          timeoutMs: 5000,
        },
      ),
    );
    expect((await lab.send(apiCalls.redis('start'))).status).toBe(200);
    await Promise.all(resubscribed);
    const got = Promise.all([a1, a2, b].map((s) => nextEvent(s, 'chat message', 5000)));
    b.emit('chat message', 'Redis is back');
    expect(await got).toEqual([['Redis is back'], ['Redis is back'], ['Redis is back']]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lab.lab.info().servers.map((s) => s.state)).toEqual(['up', 'up']);
    // The hub notices on its own connection, and says so with a notice.
    await lab.waitForEvent(
      (e) => e.kind === 'lab.notice' && e.topic === 'redis.up' && e.t >= started,
      { past: true, timeoutMs: 5000 },
    );
    expect((await lab.send(apiCalls.lab())).body.redis.state).toBe('up');
  });
});
