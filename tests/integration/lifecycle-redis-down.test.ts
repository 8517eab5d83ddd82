/**
 * Issue 19, defects 4 and 5: stopping, crashing and removing servers while Redis is down, and
 * clients that connect while a server boots. Nothing waits on a Redis that is away, and a server
 * accepts connections only once its adapter is attached.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  nextEvent,
  numsub,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { portMismatches } from '../support/lab-consistency.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

/** Stop, remove and shutdown must finish within this, whatever Redis does (issue 19). */
const BOUND_MS = 2000;

async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await op();
  return { ms: performance.now() - started, value };
}

/** A client that retries every few milliseconds, so it lands in any window a server leaves open. */
function eagerClient(port: number): Socket {
  return connect(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnectionDelay: 1,
    reconnectionDelayMax: 5,
    randomizationFactor: 0,
  });
}

describe.each(BACKENDS)('lifecycle while Redis is down (%s)', (backend) => {
  let lab: TestLab;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    lab = await makeLab(backend, { redisKind: 'owned', servers: 3 });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await lab.close();
  });

  it('stop, crash and remove each answer within 2 s, and the listing matches the ports', async () => {
    const ports = lab.lab.info().servers.map((s) => s.port);
    expect((await lab.send(apiCalls.redis('stop'))).status).toBe(200);
    const stop = await timed(() => lab.send(apiCalls.server('s1', 'stop')));
    expect(stop.value.status).toBe(200);
    expect(stop.value.body.state).toBe('down');
    expect(stop.ms).toBeLessThan(BOUND_MS);
    const crash = await timed(() => lab.send(apiCalls.server('s2', 'crash')));
    expect(crash.value.status).toBe(200);
    expect(crash.ms).toBeLessThan(BOUND_MS);
    const removed = await timed(() => lab.send(apiCalls.removeServer('s3')));
    expect(removed.value.status).toBe(200);
    expect(removed.ms).toBeLessThan(BOUND_MS);
    const info = (await lab.send(apiCalls.lab())).body;
    expect(info.servers.map((s) => [s.id, s.state])).toEqual([
      ['s1', 'down'],
      ['s2', 'crashed'],
    ]);
    expect(await portMismatches(info.servers, ports)).toEqual([]);
  });

  it('the lab itself shuts down within 2 s while Redis is down', async () => {
    expect((await lab.send(apiCalls.redis('stop'))).status).toBe(200);
    const shutdown = await timed(() => lab.close());
    expect(shutdown.ms).toBeLessThan(BOUND_MS + 1000);
  });

  it('a server started while Redis is down takes clients only with its adapter attached', async () => {
    const a = await lab.client('s1');
    const s2 = lab.lab.server('s2');
    expect((await lab.send(apiCalls.server('s2', 'stop'))).status).toBe(200);
    const b = eagerClient(s2.port);
    sockets.push(b);
    expect((await lab.send(apiCalls.redis('stop'))).status).toBe(200);
    const connected = nextEvent(b, 'connect', 10_000);
    expect((await lab.send(apiCalls.server('s2', 'start'))).status).toBe(200);
    await connected;
    expect((await lab.send(apiCalls.redis('start'))).status).toBe(200);
    // Both servers' sub connections are back on the request channel: the adapters resubscribed.
    await until(
      async () => (await numsub(lab.admin, 'socket.io-request#/#')) === 3,
      10_000,
      'the three servers resubscribed',
    );
    const got = nextEvent(b, 'chat message', 5000);
    a.emit('chat message', 'Redis is back');
    expect(await got).toEqual(['Redis is back']);
  });
});

describe.each(BACKENDS)('clients that connect while a server boots (%s)', (backend) => {
  it('20 crash/start cycles: every client that reconnects receives the next broadcast', async () => {
    const lab = await makeLab(backend, { servers: 2 });
    const sender = await lab.client('s1');
    const port = lab.lab.server('s2').port;
    const eager = [1, 2, 3, 4, 5].map(() => eagerClient(port));
    await Promise.all(eager.map((s) => (s.connected ? undefined : nextEvent(s, 'connect'))));
    try {
      for (let cycle = 1; cycle <= 20; cycle++) {
        const back = eager.map((s) => nextEvent(s, 'connect', 10_000));
        expect((await lab.send(apiCalls.server('s2', 'crash'))).status).toBe(200);
        expect((await lab.send(apiCalls.server('s2', 'start'))).status).toBe(200);
        await Promise.all(back);
        const got = Promise.all(eager.map((s) => nextEvent(s, 'chat message', 5000)));
        sender.emit('chat message', `cycle ${cycle}`);
        expect(await got, `cycle ${cycle}`).toEqual(eager.map(() => [`cycle ${cycle}`]));
      }
    } finally {
      for (const s of eager) s.disconnect();
      await lab.close();
    }
  });
});
