import { once } from 'node:events';
import Redis, { type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, type BrokerEvent } from './broker.ts';
import { RawRespClient } from './raw-resp-client.ts';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The broker's events, kept in order, with waiters woken by each new one (no polling). */
class EventLog extends Array<BrokerEvent> {
  private waiters: (() => void)[] = [];
  add(e: BrokerEvent): void {
    this.push(e);
    for (const w of this.waiters.splice(0)) w();
  }
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

async function startBroker(opts: Parameters<typeof EmbeddedBroker.start>[0] = {}) {
  const events = new EventLog();
  const broker = await EmbeddedBroker.start({ ...opts, onEvent: (e) => events.add(e) });
  cleanups.push(() => broker.stop());
  return { broker, events };
}

function redis(url: string, opts: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, ...opts });
  cleanups.push(() => {
    client.disconnect();
  });
  return client;
}

/** Resolves with the first event of `type` from index `from` on, waiting for new ones as they come. */
async function nextEvent<T extends BrokerEvent['type']>(
  events: EventLog,
  type: T,
  where: (e: Extract<BrokerEvent, { type: T }>) => boolean = () => true,
  from = 0,
): Promise<Extract<BrokerEvent, { type: T }>> {
  const match = (e: BrokerEvent): e is Extract<BrokerEvent, { type: T }> =>
    e.type === type && where(e as Extract<BrokerEvent, { type: T }>);
  for (;;) {
    const found = events.slice(from).find(match);
    if (found) return found;
    await events.changed();
  }
}

describe('EmbeddedBroker with ioredis 6', () => {
  for (const protocol of [2, 3] as const) {
    it(`RESP${protocol}: names, subscribe/psubscribe/ssubscribe, publish and PUBSUB NUMSUB`, async () => {
      const { broker, events } = await startBroker();
      const pub = redis(broker.url, { protocol, connectionName: `pub-${protocol}` });
      const sub = redis(broker.url, { protocol, connectionName: `sub-${protocol}` });
      const got: string[] = [];
      sub.on('messageBuffer', (ch: Buffer, m: Buffer) => got.push(`message ${ch} ${m}`));
      sub.on('pmessageBuffer', (p: Buffer, ch: Buffer, m: Buffer) =>
        got.push(`pmessage ${p} ${ch} ${m}`),
      );
      sub.on('smessageBuffer', (ch: Buffer, m: Buffer) => got.push(`smessage ${ch} ${m}`));
      await sub.subscribe('socket.io-request#/#');
      await sub.psubscribe('socket.io#/#*');
      await sub.ssubscribe('socket.io#/#shard#');

      expect(await pub.publish('socket.io-request#/#', 'req')).toBe(1);
      expect(await pub.publish('socket.io#/#room#', Buffer.from([0x93, 0x00]))).toBe(1);
      expect(await pub.spublish('socket.io#/#shard#', 'sh')).toBe(1);
      expect(await pub.call('PUBSUB', 'NUMSUB', 'socket.io-request#/#')).toEqual([
        'socket.io-request#/#',
        1,
      ]);
      // The adapter's serverCount() goes through send_command, which ioredis 6 keeps but no longer types.
      const legacy = pub as unknown as {
        send_command(cmd: string, args: string[]): Promise<unknown>;
      };
      expect(await legacy.send_command('PUBSUB', ['NUMSUB', 'socket.io-request#/#'])).toEqual([
        'socket.io-request#/#',
        1,
      ]);
      expect(await pub.call('PUBSUB', 'SHARDNUMSUB', 'socket.io#/#shard#')).toEqual([
        'socket.io#/#shard#',
        1,
      ]);
      expect(await pub.client('GETNAME')).toBe(`pub-${protocol}`);
      // A PING on the subscriber answers after the pushes, so all three have arrived.
      await sub.ping();
      expect(got).toEqual([
        'message socket.io-request#/# req',
        `pmessage socket.io#/#* socket.io#/#room# ${Buffer.from([0x93, 0x00])}`,
        'smessage socket.io#/#shard# sh',
      ]);
      const info = await pub.info('server');
      expect(info).toContain('redis_version:7.2.0');
      expect(info).toContain('server_name:fanout-lab-embedded-broker');
      expect(broker.subscriptions()).toEqual({
        channels: [
          {
            name: 'socket.io-request#/#',
            subscribers: [expect.objectContaining({ name: `sub-${protocol}` })],
          },
        ],
        patterns: [
          {
            name: 'socket.io#/#*',
            subscribers: [expect.objectContaining({ name: `sub-${protocol}` })],
          },
        ],
        shardChannels: [
          {
            name: 'socket.io#/#shard#',
            subscribers: [expect.objectContaining({ name: `sub-${protocol}` })],
          },
        ],
      });
      await Promise.all([pub.quit(), sub.quit()]);
      await nextEvent(events, 'client-closed', (e) => e.name === `sub-${protocol}`);
      expect(broker.subscriptions().channels).toEqual([]);
    });
  }

  it('RESP2 subscriber connections refuse PUBLISH with the error the duplicate() lesson shows', async () => {
    const { broker } = await startBroker();
    // ioredis refuses this itself before sending, so the wire is checked with a raw client.
    const sub = await RawRespClient.connect(broker.port);
    cleanups.push(() => sub.close());
    await sub.command('SUBSCRIBE', 'c');
    expect(await sub.command('PUBLISH', 'c', 'x')).toEqual({
      type: 'error',
      value:
        "ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
    const resp3 = redis(broker.url, { protocol: 3 });
    await resp3.subscribe('c');
    expect(await resp3.publish('c', 'allowed under RESP3')).toBe(2);
  });

  it('requires the password when one is set, through AUTH and through HELLO', async () => {
    const { broker } = await startBroker({ password: 's3cret' });
    const raw = await RawRespClient.connect(broker.port);
    cleanups.push(() => raw.close());
    expect(await raw.command('PUBLISH', 'c', 'm')).toEqual({
      type: 'error',
      value: 'NOAUTH Authentication required.',
    });
    expect(await raw.command('AUTH', 'wrong')).toMatchObject({
      value: expect.stringMatching(/^WRONGPASS/),
    });
    expect(await raw.command('AUTH', 's3cret')).toEqual({ type: 'simple', value: 'OK' });
    for (const protocol of [2, 3] as const) {
      const ok = redis(broker.url, { protocol, password: 's3cret' });
      expect(await ok.publish('c', 'm')).toBe(0);
    }
  });

  it('stop() drops every client and start() listens again on the same port', async () => {
    const { broker } = await startBroker();
    const raw = await RawRespClient.connect(broker.port);
    const port = broker.port;
    await broker.stop();
    expect(broker.running).toBe(false);
    await raw.waitClosed();
    await expect(RawRespClient.connect(port)).rejects.toThrow(/ECONNREFUSED/);
    await broker.start();
    expect(broker.running).toBe(true);
    const again = await RawRespClient.connect(port);
    cleanups.push(() => again.close());
    expect(await again.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
  });

  it('ioredis reconnects and resubscribes after a stop/start, as it would with Redis', async () => {
    const { broker, events } = await startBroker();
    const sub = redis(broker.url, { retryStrategy: () => 20, maxRetriesPerRequest: null });
    const pub = redis(broker.url, { retryStrategy: () => 20, maxRetriesPerRequest: null });
    await sub.subscribe('back');
    await broker.stop();
    const restartedAt = events.length;
    await broker.start();
    const message = once(sub, 'message');
    // ioredis resubscribes on its own once it is back; the broker reports when that lands.
    await nextEvent(events, 'subscriptions-changed', () => true, restartedAt);
    expect(broker.subscriptions().channels).toEqual([
      { name: 'back', subscribers: [expect.objectContaining({ id: expect.any(Number) })] },
    ]);
    expect(await pub.publish('back', 'hello')).toBe(1);
    expect(await message).toEqual(['back', 'hello']);
  });
});

describe('EmbeddedBroker robustness', () => {
  it('closes a connection that sends malformed RESP and reports it', async () => {
    const { broker, events } = await startBroker();
    const raw = await RawRespClient.connect(broker.port);
    await raw.command('CLIENT', 'SETNAME', 'bad-one');
    raw.write('*1\r\n$x\r\n');
    await raw.waitClosed();
    expect(raw.drain()).toEqual([
      { type: 'error', value: 'ERR Protocol error: invalid bulk length' },
    ]);
    expect(await nextEvent(events, 'client-killed')).toMatchObject({
      reason: 'protocol-error',
      name: 'bad-one',
    });
  });

  it('applies maxBulkLen like proto-max-bulk-len', async () => {
    const { broker } = await startBroker({ maxBulkLen: 1024 });
    const raw = await RawRespClient.connect(broker.port);
    raw.send(['PUBLISH', 'c', 'x'.repeat(1025)]);
    await raw.waitClosed();
    expect(raw.drain()).toEqual([
      { type: 'error', value: 'ERR Protocol error: invalid bulk length' },
    ]);
  });

  it('disconnects a pub/sub reader that stops reading once its output passes the hard limit', async () => {
    const limit = { hard: 256 * 1024, soft: 0, softSeconds: 0 };
    const { broker, events } = await startBroker({ pubsubOutputLimit: limit });
    const slow = await RawRespClient.connect(broker.port);
    await slow.command('CLIENT', 'SETNAME', 'slow-reader');
    await slow.command('SUBSCRIBE', 'firehose');
    slow.socket.pause();
    const pub = await RawRespClient.connect(broker.port);
    cleanups.push(() => pub.close());
    const payload = 'x'.repeat(64 * 1024);
    // Kernel buffers take a few MB first; keep publishing until the broker gives up on the reader.
    while (!events.some((e) => e.type === 'client-killed')) {
      const reply = await pub.command('PUBLISH', 'firehose', payload);
      if (reply.type === 'int' && reply.value === 0) break;
    }
    expect(await nextEvent(events, 'client-killed')).toMatchObject({
      reason: 'output-buffer-limit',
      name: 'slow-reader',
    });
    expect(await pub.command('PUBSUB', 'NUMSUB', 'firehose')).toEqual({
      type: 'array',
      value: [
        { type: 'bulk', value: 'firehose' },
        { type: 'int', value: 0 },
      ],
    });
    slow.close();
  });

  it('disconnects a reader that stays over the soft limit for longer than softSeconds', async () => {
    const limit = { hard: 0, soft: 64 * 1024, softSeconds: 0 };
    const { broker, events } = await startBroker({ pubsubOutputLimit: limit });
    const slow = await RawRespClient.connect(broker.port);
    await slow.command('SUBSCRIBE', 'trickle');
    slow.socket.pause();
    const pub = await RawRespClient.connect(broker.port);
    cleanups.push(() => pub.close());
    const payload = 'x'.repeat(32 * 1024);
    let publishes = 0;
    while (!events.some((e) => e.type === 'client-killed')) {
      await pub.command('PUBLISH', 'trickle', payload);
      publishes++;
    }
    expect(await nextEvent(events, 'client-killed')).toMatchObject({
      reason: 'output-buffer-limit',
    });
    // Over the soft limit once only starts the clock; it takes a second check to disconnect.
    expect(publishes).toBeGreaterThan(1);
    slow.close();
  });

  it('survives an onEvent listener that throws', async () => {
    const broker = await EmbeddedBroker.start({
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    cleanups.push(() => broker.stop());
    const raw = await RawRespClient.connect(broker.port);
    cleanups.push(() => raw.close());
    expect(await raw.command('SUBSCRIBE', 'a')).toMatchObject({ type: 'array' });
  });

  it('MONITOR shows other clients commands, with passwords redacted', async () => {
    const { broker } = await startBroker();
    const monitor = await RawRespClient.connect(broker.port);
    cleanups.push(() => monitor.close());
    expect(await monitor.command('MONITOR')).toEqual({ type: 'simple', value: 'OK' });
    const other = await RawRespClient.connect(broker.port);
    cleanups.push(() => other.close());
    await other.command('PUBLISH', 'socket.io#/#', 'a"b\n');
    await other.command('HELLO', '2', 'AUTH', 'default', 'pw');
    await monitor.waitForFrames(2);
    const lines = monitor.drain().map((f) => (f.type === 'simple' ? f.value : ''));
    expect(lines[0]).toMatch(
      /^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "PUBLISH" "socket\.io#\/#" "a\\"b\\n"$/,
    );
    expect(lines[1]).toMatch(/"HELLO" "2" "AUTH" "\(redacted\)" "\(redacted\)"$/);
  });

  it('CLIENT LIST shows names and flags, CLIENT KILL closes the named connection', async () => {
    const { broker, events } = await startBroker();
    const victim = await RawRespClient.connect(broker.port);
    await victim.command('CLIENT', 'SETNAME', 'victim');
    await victim.command('SUBSCRIBE', 'c');
    const admin = await RawRespClient.connect(broker.port);
    cleanups.push(() => admin.close());
    const list = await admin.command('CLIENT', 'LIST', 'TYPE', 'pubsub');
    expect(list.type === 'bulk' && list.value).toMatch(
      /^id=\d+ addr=\S+ .*name=victim .*flags=P .*sub=1 /,
    );
    const id = Number(/id=(\d+)/.exec(list.type === 'bulk' ? (list.value ?? '') : '')?.[1]);
    expect(await admin.command('CLIENT', 'KILL', 'ID', String(id))).toEqual({
      type: 'int',
      value: 1,
    });
    await victim.waitClosed();
    expect(await nextEvent(events, 'client-killed')).toMatchObject({ reason: 'client-kill', id });
  });

  it('COMMAND COUNT / INFO / DOCS answer from the broker table', async () => {
    const { broker } = await startBroker();
    const c = redis(broker.url);
    const count = (await c.call('COMMAND', 'COUNT')) as number;
    expect(count).toBeGreaterThan(10);
    const info = (await c.call('COMMAND', 'INFO', 'publish', 'hset', 'del')) as unknown[];
    expect(info[0]).toEqual(expect.arrayContaining(['publish', 3]));
    expect(info[1]).toBeNull();
    // First key, last key and step, as Redis reports them for DEL.
    expect((info[2] as unknown[]).slice(0, 6)).toEqual(['del', -2, ['write'], 1, -1, 1]);
    const docs = (await c.call('COMMAND', 'DOCS', 'ssubscribe')) as unknown[];
    expect(docs[0]).toBe('ssubscribe');
    await expect(c.call('HSET', 'k', 'f', 'v')).rejects.toThrow(
      "ERR unknown command 'HSET', with args beginning with: 'k' 'f' 'v' ",
    );
  });
});
