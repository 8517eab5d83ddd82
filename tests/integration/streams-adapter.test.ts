import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import { MessageType } from 'socket.io-adapter';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { EmbeddedBroker } from '../../server/broker/broker.ts';
import { BACKENDS } from '../support/lab-fixture.ts';
import { RedisLink } from '../../server/redis-link.ts';

/**
 * The spike for `--adapter streams` (issue 13 item 7): three real Socket.IO servers joined by
 * @socket.io/redis-streams-adapter on ioredis 6, with connection state recovery on, over
 * redis-server and over the embedded broker. What pub/sub loses, the stream keeps: a client
 * that comes back within maxDisconnectionDuration gets what it missed, and a server cut off
 * from Redis catches up from its last stream id. docs/streams.md says what this teaches.
 */

const MAX_DISCONNECTION_MS = 60_000;

/** Events a client got, in order, with waiters that resolve on the n-th one of a name. */
class Inbox {
  readonly got: { event: string; data: unknown; offset: unknown }[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, data: unknown, offset: unknown) => {
      this.got.push({ event, data, offset });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  of(event: string): unknown[] {
    return this.got.filter((g) => g.event === event).map((g) => g.data);
  }

  async until(event: string, n: number, timeoutMs = 15_000): Promise<unknown[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(event).length < n) {
      if (Date.now() > deadline) {
        throw new Error(`${n} × ${event} never came; got ${JSON.stringify(this.got)}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, deadline - Date.now());
      });
    }
    return this.of(event);
  }
}

interface Node {
  name: string;
  io: Server;
  port: number;
  redis: Redis;
  close(): Promise<void>;
}

interface Spike {
  url: string;
  /** ioredis 6 speaks RESP3 unless told otherwise; the adapter must work in both. */
  protocol: 2 | 3;
  streamName: string;
  sessionKeyPrefix: string;
  nodes: Node[];
  inboxes: Inbox[];
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One Socket.IO server with the streams adapter on its own ioredis client. */
async function startNode(
  spike: Spike,
  name: string,
  port = 0,
  url = spike.url,
  redisOptions: RedisOptions = {},
): Promise<Node> {
  const redis = new Redis(url, {
    connectionName: `spike:${name}`,
    protocol: spike.protocol,
    // Reconnect quickly, and let commands wait for Redis however long it is away: the tests
    // decide when Redis comes back.
    retryStrategy: () => 100,
    maxRetriesPerRequest: null,
    ...redisOptions,
  });
  redis.on('error', () => {});
  // The adapter duplicates the client for XREAD and for its pub/sub channels; keep hold of the
  // copies so that closing the node closes them too (the adapter lets its XREAD client finish
  // its last BLOCK before it disconnects it).
  const copies: Redis[] = [];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override?: Partial<RedisOptions>) => {
    const copy = duplicate(override);
    copies.push(copy);
    return copy;
  };
  const http: HttpServer = createServer();
  const io = new Server(http, {
    connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS },
    adapter: createAdapter(redis, {
      streamName: spike.streamName,
      channelPrefix: spike.streamName,
      sessionKeyPrefix: spike.sessionKeyPrefix,
    }),
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const node: Node = {
    name,
    io,
    port: (http.address() as AddressInfo).port,
    redis,
    close: async () => {
      await io.close();
      for (const c of copies) c.disconnect();
      // QUIT waits for Redis; a node cut off from it (a failed test) just drops the connection.
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
  return node;
}

async function client(port: number): Promise<Inbox> {
  const socket = connect(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
  });
  cleanups.push(() => socket.disconnect());
  const inbox = new Inbox(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return inbox;
}

/**
 * Each adapter reads the stream from `$` once its XREAD is in place; what is added before
 * that is not for it. Emits a warm-up from s1 until every client has one, so every reader runs.
 */
async function untilStreamLive(spike: Spike, inboxes = spike.inboxes): Promise<void> {
  const timer = setInterval(() => spike.nodes[0].io.emit('warmup', 'w'), 50);
  try {
    await Promise.all(inboxes.map((inbox) => inbox.until('warmup', 1)));
  } finally {
    clearInterval(timer);
  }
}

/** A spike with a stream and keys of its own (the suite's Redis is shared), removed after. */
function newSpike(url: string, protocol: 2 | 3): Spike {
  const streamName = `spike-${randomBytes(4).toString('hex')}`;
  const spike: Spike = {
    url,
    protocol,
    streamName,
    sessionKeyPrefix: `${streamName}:session:`,
    nodes: [],
    inboxes: [],
  };
  cleanups.push(async () => {
    for (const node of spike.nodes) await node.close();
    const admin = new Redis(url);
    const keys = await admin.keys(`${streamName}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });
  return spike;
}

async function startSpike(url: string, protocol: 2 | 3): Promise<Spike> {
  const spike = newSpike(url, protocol);
  for (const name of ['s1', 's2', 's3']) spike.nodes.push(await startNode(spike, name));
  for (const node of spike.nodes) spike.inboxes.push(await client(node.port));
  await untilStreamLive(spike);
  return spike;
}

const CASES = BACKENDS.flatMap((backend) =>
  ([3, 2] as const).map((protocol) => [backend, protocol] as const),
);

describe.each(CASES)('@socket.io/redis-streams-adapter on %s, RESP%i', (backend, protocol) => {
  let url: string;
  let broker: EmbeddedBroker | null = null;
  beforeAll(async () => {
    if (backend === 'broker') broker = await EmbeddedBroker.start();
    url = broker ? broker.url : inject('redisUrl');
  });
  afterAll(() => broker?.stop());

  it('a broadcast crosses servers through the stream, each receipt carrying the entry id', async () => {
    const spike = await startSpike(url, protocol);
    spike.nodes[1].io.emit('news', 'from s2');
    await Promise.all(spike.inboxes.map((inbox) => inbox.until('news', 1)));
    const offsets = spike.inboxes.map((inbox) => inbox.got.find((g) => g.event === 'news')?.offset);
    for (const inbox of spike.inboxes) expect(inbox.of('news')).toEqual(['from s2']);
    // With connection state recovery on, every server appends the same stream id to the packet.
    expect(new Set(offsets).size).toBe(1);
    expect(offsets[0]).toMatch(/^\d+-\d+$/);

    const admin = new Redis(url);
    const entries = await admin.xrange(
      spike.streamName,
      offsets[0] as string,
      offsets[0] as string,
    );
    await admin.quit();
    const [, fields] = entries[0];
    const entry = Object.fromEntries(
      fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])),
    );
    expect(Object.keys(entry)).toEqual(['uid', 'nsp', 'type', 'data']);
    expect(entry.nsp).toBe('/');
    expect(entry.type).toBe(String(MessageType.BROADCAST));
    expect(JSON.parse(entry.data)).toMatchObject({ packet: { data: ['news', 'from s2'] } });
  });

  it('a client whose connection dropped gets what it missed (socket.recovered)', async () => {
    const spike = await startSpike(url, protocol);
    const c2 = spike.inboxes[1];
    const serverSide = [...spike.nodes[1].io.sockets.sockets.values()][0];
    const gone = new Promise((resolve) => serverSide.once('disconnect', resolve));
    c2.socket.io.reconnection(false);
    c2.socket.io.engine.close();
    // Its server saves the session (SET ... PX) when it sees the connection go.
    expect(await gone).toBe('transport close');

    spike.nodes[0].io.emit('news', 'missed 1');
    spike.nodes[2].io.emit('news', 'missed 2');
    await spike.inboxes[0].until('news', 2);
    await spike.inboxes[2].until('news', 2);
    const admin = new Redis(url);
    const sessionKeys = await admin.keys(`${spike.sessionKeyPrefix}*`);
    expect(sessionKeys).toHaveLength(1);
    expect(await admin.pttl(sessionKeys[0])).toBeGreaterThan(MAX_DISCONNECTION_MS - 10_000);

    const back = new Promise<void>((resolve) => c2.socket.once('connect', () => resolve()));
    c2.socket.connect();
    await back;
    expect(c2.socket.recovered).toBe(true);
    expect(await c2.until('news', 2)).toEqual(['missed 1', 'missed 2']);
    // The session was taken (MULTI GET DEL EXEC), so it cannot be restored twice.
    expect(await admin.exists(sessionKeys[0])).toBe(0);
    await admin.quit();
  });

  it('a client whose server restarted gets what it missed from the new server', async () => {
    const spike = await startSpike(url, protocol);
    const [s1] = spike.nodes;
    const c1 = spike.inboxes[0];
    const down = new Promise((resolve) => c1.socket.once('disconnect', resolve));
    await s1.close();
    expect(await down).toBe('transport close');

    spike.nodes[1].io.emit('news', 'while s1 was down');
    await spike.inboxes[1].until('news', 1);

    const back = new Promise<void>((resolve) => c1.socket.once('connect', () => resolve()));
    spike.nodes[0] = await startNode(spike, 's1', s1.port);
    await back;
    expect(c1.socket.recovered).toBe(true);
    expect(await c1.until('news', 1)).toEqual(['while s1 was down']);
    // The new s1 reads the stream too.
    await untilStreamLive(spike, [c1]);
  });

  it('a server cut off from Redis catches up from its last stream id; its own broadcasts wait for Redis', async () => {
    const relay = await new RedisLink(url).open();
    cleanups.push(() => relay.close());
    const spike = newSpike(url, protocol);
    spike.nodes.push(await startNode(spike, 's1'), await startNode(spike, 's2'));
    spike.nodes.push(await startNode(spike, 's3', 0, relay.urlFor(url)));
    for (const node of spike.nodes) spike.inboxes.push(await client(node.port));
    await untilStreamLive(spike);
    const [c1, c2, c3] = spike.inboxes;
    const order: string[] = [];
    c3.socket.on('news', (text: string) => order.push(`c3 got ${text}`));

    relay.cut();
    spike.nodes[0].io.emit('news', 'during the cut 1');
    spike.nodes[1].io.emit('news', 'during the cut 2');
    spike.nodes[2].io.emit('news', 'from s3 during the cut');
    await c1.until('news', 2);
    await c2.until('news', 2);
    order.push('redis back for s3');
    relay.heal();

    expect(await c3.until('news', 3)).toEqual(
      expect.arrayContaining(['during the cut 1', 'during the cut 2', 'from s3 during the cut']),
    );
    // s3's clients stayed connected throughout, and got nothing until Redis was back: not the
    // entries s1 and s2 added, and not even s3's own broadcast, which waits for its XADD.
    expect(c3.socket.connected).toBe(true);
    expect(order[0]).toBe('redis back for s3');
    // s1 and s2 get s3's broadcast once its XADD goes through.
    expect(await c1.until('news', 3)).toContain('from s3 during the cut');
  });
});
