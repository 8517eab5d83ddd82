import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from './broker.ts';
import { RawRespClient } from './raw-resp-client.ts';

/**
 * The broker's streams, keys and transactions through ioredis 6, the way the Redis Streams
 * adapter drives them: XREAD BLOCK on a duplicated client, XADD with MAXLEN ~, the session
 * store's SET PX and MULTI/GET/DEL/EXEC. Replies are checked against Redis by the
 * differential suite; these tests are about blocking, time and connections.
 */

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function setup(protocol: 2 | 3 = 3) {
  const broker = await EmbeddedBroker.start();
  const pub = new Redis(broker.url, { protocol, maxRetriesPerRequest: 1 });
  const reader = pub.duplicate();
  stops.push(
    () => broker.stop(),
    () => pub.disconnect(),
    () => reader.disconnect(),
  );
  return { broker, pub, reader };
}

async function blockedClients(redis: Redis): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await redis.info('clients'))?.[1]);
}

/** INFO is the only way to see that a client blocked: nothing is sent back to it. */
async function untilBlocked(redis: Redis, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await blockedClients(redis)) !== n) {
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('streams through ioredis 6', () => {
  for (const protocol of [2, 3] as const) {
    it(`RESP${protocol}: XREAD BLOCK wakes on XADD with the new entries, in the adapter's shape`, async () => {
      const { pub, reader } = await setup(protocol);
      // The adapter's own argument order (BLOCK before COUNT), which ioredis's types do not list.
      const xread = reader.xread.bind(reader) as (...args: (string | number)[]) => Promise<unknown>;
      const read = xread('BLOCK', 5000, 'COUNT', 100, 'STREAMS', 'socket.io', '$');
      await untilBlocked(pub, 1);
      const id = await pub.xadd('socket.io', 'MAXLEN', '~', 10000, '*', 'uid', 'u1', 'type', '3');
      expect(await read).toEqual([['socket.io', [[id, ['uid', 'u1', 'type', '3']]]]]);
      expect(await blockedClients(pub)).toBe(0);
    });
  }

  it('BLOCK times out with null after its time, not before', async () => {
    const { reader } = await setup();
    const started = Date.now();
    expect(await reader.xread('BLOCK', 150, 'STREAMS', 'quiet', '$')).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('a blocked client runs its next pipelined command only after it is served', async () => {
    const { pub, reader } = await setup();
    const order: string[] = [];
    const read = reader.xread('BLOCK', 0, 'STREAMS', 's', '$').then(() => order.push('xread'));
    const ping = reader.ping('after').then(() => order.push('ping'));
    await untilBlocked(pub, 1);
    order.push('xadd');
    await pub.xadd('s', '*', 'f', 'v');
    await Promise.all([read, ping]);
    expect(order).toEqual(['xadd', 'xread', 'ping']);
  });

  it('a reader that disconnects while blocked is forgotten; the next XADD is fine', async () => {
    const { broker, pub } = await setup();
    const raw = await RawRespClient.connect(broker.port);
    raw.send(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']);
    await untilBlocked(pub, 1);
    raw.close();
    await untilBlocked(pub, 0);
    expect(await pub.xadd('s', '*', 'f', 'v')).toMatch(/^\d+-0$/);
    expect(await pub.xlen('s')).toBe(1);
  });

  it("the session store's calls: SET PX, then MULTI GET DEL EXEC takes the value exactly once", async () => {
    const { pub } = await setup();
    expect(await pub.set('sio:session:p1', 'c2Vzc2lvbg==', 'PX', 120_000)).toBe('OK');
    const ttl = await pub.pttl('sio:session:p1');
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    expect(await pub.multi().get('sio:session:p1').del('sio:session:p1').exec()).toEqual([
      [null, 'c2Vzc2lvbg=='],
      [null, 1],
    ]);
    expect(await pub.multi().get('sio:session:p1').del('sio:session:p1').exec()).toEqual([
      [null, null],
      [null, 0],
    ]);
  });

  it('stop() drops streams, keys and blocked readers, like a Redis without persistence', async () => {
    const { broker, pub } = await setup();
    await pub.xadd('s', '*', 'f', 'v');
    await pub.set('k', 'v', 'PX', 60_000);
    const raw = await RawRespClient.connect(broker.port);
    raw.send(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']);
    await untilBlocked(pub, 1);
    await broker.stop();
    await raw.waitClosed();
    await broker.start();
    const fresh = new Redis(broker.url, { maxRetriesPerRequest: 1 });
    stops.push(() => fresh.disconnect());
    expect(await fresh.exists('s', 'k')).toBe(0);
    expect(await blockedClients(fresh)).toBe(0);
    expect(await fresh.info('keyspace')).not.toContain('db0');
  });

  it('INFO shows the keyspace as Redis does', async () => {
    const { pub } = await setup();
    await pub.set('a', '1', 'PX', 60_000);
    await pub.xadd('s', '*', 'f', 'v');
    expect(await pub.info('keyspace')).toContain('db0:keys=2,expires=1,avg_ttl=0');
  });
});
