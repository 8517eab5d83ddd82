import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import {
  BACKENDS,
  type Backend,
  closeAllLabs,
  collect,
  makeLab,
  nextEvent,
  numsub,
  type TestLab,
} from '../support/lab-fixture.ts';

afterAll(closeAllLabs);

const CASES = BACKENDS.flatMap((backend) => [
  [backend, 'redis'],
  [backend, 'sharded'],
]) as [Backend, 'redis' | 'sharded'][];

describe.each(CASES)('broadcasting across three servers (%s, %s adapter)', (backend, adapter) => {
  let lab: TestLab;
  let a: Socket, b: Socket, c: Socket;

  beforeAll(async () => {
    lab = await makeLab(backend, { adapter });
    [a, b, c] = await Promise.all([lab.client('s1'), lab.client('s2'), lab.client('s3')]);
  });
  afterAll(() => lab.close());

  it('a chat message from s1 reaches the clients of all three servers, the sender included', async () => {
    const got = Promise.all([a, b, c].map((s) => nextEvent<string>(s, 'chat message')));
    a.emit('chat message', 'hello from s1');
    expect(await got).toEqual([['hello from s1'], ['hello from s1'], ['hello from s1']]);
  });

  it('an emit to a room reaches only its members, on every server', async () => {
    await a.emitWithAck('join', 'blue');
    await c.emitWithAck('join', 'blue');
    const outsider = collect(b, 'room message');
    const got = Promise.all([a, c].map((s) => nextEvent(s, 'room message')));
    b.emit('room message', 'blue', 'for blue only');
    expect(await got).toEqual([
      ['blue', 'for blue only'],
      ['blue', 'for blue only'],
    ]);
    // b is not in the room; a chat sent after the room message arrives after it on b, so by then
    // b would have had the room message if it were going to get it.
    const marker = nextEvent(b, 'chat message');
    b.emit('chat message', 'marker');
    await marker;
    outsider.stop();
    expect(outsider.values).toEqual([]);
  });

  it('fetchSockets counts the sockets on all servers', async () => {
    const reply = (await b.emitWithAck('count sockets')) as {
      count: number;
      byServer: Record<string, number>;
    };
    expect(reply.count).toBe(3);
    expect(reply.byServer).toEqual({ s1: 1, s2: 1, s3: 1 });
  });

  it('the adapter counts the servers that are up: NUMSUB (classic) or SHARDNUMSUB (sharded)', async () => {
    if (adapter === 'redis') expect(await numsub(lab.admin, 'socket.io-request#/#')).toBe(3);
    else {
      const reply = (await lab.admin.call('PUBSUB', 'SHARDNUMSUB', 'socket.io#/#')) as [
        string,
        number,
      ];
      expect(Number(reply[1])).toBe(3);
    }
  });

  it('serverSideEmit reaches the other servers, which tell their clients', async () => {
    const others = Promise.all(
      [b, c].map((s) => nextEvent<{ from: string; to: string }>(s, 'server ping')),
    );
    await a.emitWithAck('server ping', 'hi');
    const [[fromB], [fromC]] = await others;
    expect([fromB.to, fromC.to].sort()).toEqual(['s2', 's3']);
    expect(fromB.from).toBe('s1');
  });

  it('a broadcast with acks collects an answer from every client on every server', async () => {
    for (const s of [a, b, c])
      s.once('ack request', (_msg: unknown, ack: (v: unknown) => void) => ack('ok'));
    const reply = (await a.emitWithAck('ack broadcast', 'please ack')) as {
      responses: number;
      error?: string;
    };
    expect(reply).toEqual({ responses: 3 });
  });

  it("a message over socket.io's 1 MB limit drops only that client; the server carries on", async () => {
    const big = await lab.client('s2');
    const dropped = nextEvent<string>(big, 'disconnect');
    big.emit('chat message', 'x'.repeat(1_100_000));
    expect((await dropped)[0]).toMatch(/transport (close|error)/);
    const got = Promise.all([a, b].map((s) => nextEvent(s, 'chat message')));
    b.emit('chat message', 'still here');
    expect(await got).toEqual([['still here'], ['still here']]);
    big.disconnect();
  });

  it('a flooding client is rate-limited and told so', async () => {
    const warned = nextEvent<{ retryInMs: number }>(c, 'rate limited');
    for (let i = 0; i < 100; i++) c.emit('whoami');
    const [warning] = await warned;
    expect(warning.retryInMs).toBeGreaterThan(0);
  });
});
