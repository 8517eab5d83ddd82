/**
 * The chaos suite's full API fuzz ended with one unhandled rejection, `Connection is closed.`
 * (seeds 2403 and 7; MaxRetriesPerRequestError with seed 2203), whose stack held only ioredis and
 * Node frames. Its origin: ioredis subscribes a subscriber connection again by itself each time
 * it is back (autoResubscribe), and nobody awaits that SUBSCRIBE. The stray subscriber's
 * connection was back (Redis started), Redis went away before answering its re-subscribe, and
 * then the stray was removed (the connection closed for good) or its connection gave up on the
 * command (maxRetriesPerRequest 1): either way ioredis rejected the re-subscribe with no one to
 * catch it. Unhandled, that ends a Node process, and with it the lab.
 *
 * Here the same races are made on purpose, on redis-server and on the embedded broker: a TCP
 * relay between the lab and Redis holds what the stray's connection sends once it re-subscribes,
 * so Redis never answers it. Then (1) the stray is removed, its QUIT unanswered too, so the lab
 * closes the connection after QUIT_TIMEOUT_MS; or (2) Redis stays away for two reconnects, and
 * comes back. The process must hear no unhandled rejection, the lab must go on serving, and in
 * (2) the stray must be subscribed again (ioredis alone comes back subscribed to nothing).
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  numsub,
  redisFor,
  until,
  type Backend,
  type TestLab,
} from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

/**
 * Relays every connection to Redis as it is. A connection that named itself the stray
 * (`CLIENT SETNAME stray@<lab>`) has what it sends from its first SUBSCRIBE on held, once
 * `holding` is set: Redis never sees it, so never answers.
 */
class StrayHold {
  holding = false;
  /** Resolves when a SUBSCRIBE of the stray's is held. */
  readonly held: Promise<void>;
  private heldNow!: () => void;
  private readonly strays = new Set<net.Socket>();
  private server: net.Server;
  private port = 0;

  constructor(private readonly redisUrl: string) {
    this.held = new Promise((resolve) => (this.heldNow = resolve));
    this.server = net.createServer((inbound) => this.relay(inbound));
  }

  /** Where the lab connects: the relay's port, Redis's user, password and database. */
  get url(): string {
    const url = new URL(this.redisUrl);
    url.port = String(this.port);
    return url.toString().replace(/\/$/, '');
  }

  /** Listens (again, on the same port once it has one). */
  async accept(): Promise<void> {
    this.server = net.createServer((inbound) => this.relay(inbound));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** New connections are refused, as by a Redis that stopped; the open ones stay. */
  refuse(): void {
    this.server.close();
  }

  /** The stray's connections drop, as when Redis goes away for a moment. */
  dropStray(): void {
    for (const s of this.strays) s.destroy();
  }

  private relay(inbound: net.Socket): void {
    const target = new URL(this.redisUrl);
    const outbound = net.connect(Number(target.port), target.hostname);
    let stray = false;
    let frozen = false;
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      this.strays.delete(inbound);
    };
    for (const s of [inbound, outbound]) {
      s.on('error', end);
      s.on('close', end);
    }
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (!stray && text.includes('stray@')) {
        stray = true;
        this.strays.add(inbound);
      }
      if (stray && this.holding && /subscribe/i.test(text)) {
        frozen = true;
        this.heldNow();
      }
      if (!frozen) outbound.write(chunk);
    });
  }
}

interface StrayRace {
  lab: TestLab;
  relay: StrayHold;
  /** The channel the stray listens on, and its subscriber count before the stray came. */
  channel: string;
  before: number;
  /** The stray's connection, ready again, its re-subscribe held. */
  stray: Redis;
  /** Unhandled rejections the process heard meanwhile. */
  rejections: string[];
}

/**
 * A lab behind the relay, the stray added, its connection dropped: ioredis connects again and
 * re-subscribes by itself, and that SUBSCRIBE is held, as if Redis went away before answering.
 */
async function strayRace(backend: Backend, race: (r: StrayRace) => Promise<void>): Promise<void> {
  const rejections: string[] = [];
  const onRejection = (reason: unknown) => rejections.push(String(reason));
  process.on('unhandledRejection', onRejection);
  const redis = await redisFor(backend);
  const relay = new StrayHold(redis.url);
  await relay.accept();
  try {
    const lab = await makeLab(backend, { servers: 2, redis: { ...redis, url: relay.url } });
    const channel = `${lab.lab.info().key}-request#/#`;
    const before = await numsub(lab.admin, channel);
    expect((await lab.send(apiCalls.straySubscriber(true))).status).toBe(200);
    expect(await numsub(lab.admin, channel)).toBe(before + 1);
    const stray = (lab.lab as unknown as { stray: { client: Redis } }).stray.client;
    relay.holding = true;
    relay.dropStray();
    await relay.held;
    expect(stray.status).toBe('ready');
    await race({ lab, relay, channel, before, stray, rejections });
    await lab.close();
  } finally {
    process.off('unhandledRejection', onRejection);
    relay.refuse();
  }
}

/** Node tells unhandled rejections once the microtasks of the tick that rejected are done. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each(BACKENDS)('the stray subscriber, its re-subscribe unanswered (%s)', (backend) => {
  it('removed meanwhile: no unhandled rejection, and the lab goes on serving', () =>
    strayRace(backend, async ({ lab, relay, channel, before, stray, rejections }) => {
      // Its QUIT is not answered either, so the lab closes the connection, and ioredis rejects
      // everything still waiting on it, the re-subscribe included.
      const ended = new Promise((resolve) => stray.once('end', resolve));
      expect((await lab.send(apiCalls.straySubscriber(false))).status).toBe(200);
      await ended;
      await nextTurn();
      expect(rejections).toEqual([]);

      // The lab goes on: its servers still answer, and the stray can be added again.
      relay.holding = false;
      const info = (await lab.send(apiCalls.lab())).body;
      expect(info.servers.map((s) => s.state)).toEqual(['up', 'up']);
      expect(info.straySubscriber).toBe(false);
      expect((await lab.send(apiCalls.straySubscriber(true))).status).toBe(200);
      expect(await numsub(lab.admin, channel)).toBe(before + 1);
    }));

  it('Redis away for two reconnects: no unhandled rejection, and the stray subscribes again', () =>
    strayRace(backend, async ({ lab, relay, channel, before, stray, rejections }) => {
      // On its second failed reconnect the stray's connection (maxRetriesPerRequest 1) rejects
      // what waits, the re-subscribe too.
      const twice = new Promise<void>((resolve) => {
        let n = 0;
        stray.on('reconnecting', () => ++n === 2 && resolve());
      });
      relay.refuse();
      relay.dropStray();
      await twice;
      await nextTurn();
      expect(rejections).toEqual([]);

      // Back, ioredis subscribes it to nothing (Redis never confirmed the re-subscribe); the lab
      // subscribes it again, so the stray still counts.
      relay.holding = false;
      await relay.accept();
      await until(
        async () => (await numsub(lab.admin, channel)) === before + 1,
        10_000,
        'the stray subscribed again',
      );
      expect(rejections).toEqual([]);
      expect((await lab.send(apiCalls.lab())).body.straySubscriber).toBe(true);
    }));
});
