/**
 * Differential: the broker's `client-output-buffer-limit pubsub` against redis-server 7's, on a
 * redis-server of this file's own (CONFIG SET would reach the suite's other labs on the shared
 * one). The replies of CONFIG GET/SET must be the same frames; a subscriber that stops reading
 * must be disconnected the same way (the exact byte counts differ: the kernel's buffers hold
 * what neither server counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../server/broker/broker.ts';
import { RawRespClient } from '../../server/broker/raw-resp-client.ts';
import type { Frame } from '../../server/broker/resp-reply-decoder.ts';
import { RedisProcess } from '../../server/redis-process.ts';
import { until } from '../support/lab-fixture.ts';

let redis: RedisProcess;
let broker: EmbeddedBroker;
const targets = (): [string, number][] => [
  ['redis-server', redis.port],
  ['broker', broker.port],
];

beforeAll(async () => {
  [redis, broker] = await Promise.all([RedisProcess.start(), EmbeddedBroker.start()]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), broker?.stop()]);
});

/** Runs each command on a fresh connection speaking `resp`; answers the replies. */
async function transcript(port: number, resp: 2 | 3, commands: string[][]): Promise<Frame[]> {
  const c = await RawRespClient.connect(port);
  try {
    if (resp === 3) await c.command('HELLO', '3');
    const out: Frame[] = [];
    for (const args of commands) out.push(await c.command(...args));
    return out;
  } finally {
    c.close();
  }
}

const LIMIT = 'client-output-buffer-limit';

describe('client-output-buffer-limit: broker against redis-server', () => {
  it.each([2, 3] as const)('CONFIG GET and SET answer the same (RESP%i)', async (resp) => {
    const commands = [
      ['CONFIG', 'GET', LIMIT],
      ['CONFIG', 'SET', LIMIT, 'pubsub 1mb 256kb 2'],
      ['CONFIG', 'GET', 'client-output*'],
      ['CONFIG', 'SET', LIMIT, 'normal 0 0 0 pubsub 2m 1k 5'],
      ['CONFIG', 'GET', LIMIT],
      ['CONFIG', 'SET', LIMIT, 'pubsub 1mb 256kb'],
      ['CONFIG', 'SET', LIMIT, 'bogus 1 2 3'],
      ['CONFIG', 'SET', LIMIT, 'pubsub 1xb 2 3'],
      ['CONFIG', 'SET', 'no-such-option', '1'],
      ['CONFIG', 'GET', 'no-such-option'],
      ['CONFIG', 'GET'],
      ['CONFIG', 'SET', LIMIT, 'replica 256mb 64mb 60 pubsub 32mb 8mb 60'],
      ['CONFIG', 'GET', LIMIT],
    ];
    const [real, ours] = await Promise.all(
      targets().map(([, port]) => transcript(port, resp, commands)),
    );
    expect(ours).toEqual(real);
    // A script that compares nothing would pass: the real answers must be the ones meant.
    expect(JSON.stringify(real)).toContain('pubsub 2000000 1000 5');
    expect(JSON.stringify(real)).toContain('Wrong number of arguments in buffer limit');
  });

  /** A subscriber that stops reading, named so CLIENT LIST finds it, and a publisher. */
  async function slowReader(port: number, limit: string, name: string) {
    const admin = await RawRespClient.connect(port);
    await admin.command('CONFIG', 'SET', LIMIT, limit);
    const slow = await RawRespClient.connect(port);
    await slow.command('CLIENT', 'SETNAME', name);
    await slow.command('SUBSCRIBE', name);
    slow.socket.pause();
    /** Its output buffer (CLIENT LIST omem), or undefined once the server has dropped it. */
    const omem = async (): Promise<number | undefined> => {
      const list = await admin.command('CLIENT', 'LIST');
      const text = list.type === 'bulk' || list.type === 'verbatim' ? String(list.value) : '';
      const m = new RegExp(`name=${name} .*?omem=(\\d+)`).exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return { admin, slow, omem };
  }

  it.each([0, 1])(
    'a subscriber that stops reading is cut off past the hard limit (%s)',
    async (t) => {
      const [label, port] = targets()[t];
      const { admin, slow, omem } = await slowReader(port, 'pubsub 256kb 0 0', `hard-${t}`);
      const payload = 'x'.repeat(16 * 1024);
      let published = 0;
      // The kernel's buffers take a few MB first; then the server's own buffer grows to the limit.
      while ((await omem()) !== undefined) {
        for (let i = 0; i < 16; i++) await admin.command('PUBLISH', `hard-${t}`, payload);
        published += 16 * payload.length;
        expect(published, label).toBeLessThan(64 * 1024 * 1024);
      }
      expect(await admin.command('PUBSUB', 'NUMSUB', `hard-${t}`)).toMatchObject({
        value: [{ value: `hard-${t}` }, { type: 'int', value: 0 }],
      });
      // Reading again, it gets what the kernel held, then the end of the connection.
      slow.socket.resume();
      await slow.waitClosed();
      expect(slow.drain().length, label).toBeGreaterThan(0);
      admin.close();
    },
  );

  it.each([0, 1])(
    'over the soft limit, it is cut off when its seconds are up, with nothing more published (%s)',
    async (t) => {
      const [label, port] = targets()[t];
      const { admin, slow, omem } = await slowReader(port, 'pubsub 0 128kb 1', `soft-${t}`);
      const payload = 'x'.repeat(16 * 1024);
      let over = false;
      while (!over) {
        for (let i = 0; i < 8; i++) await admin.command('PUBLISH', `soft-${t}`, payload);
        const now = await omem();
        expect(now, `${label}: dropped before the soft limit's seconds`).toBeDefined();
        over = now! >= 128 * 1024;
      }
      const overAt = Date.now();
      // Redis's clock for the soft limit is whole seconds: "more than 1" is at least a second on.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await omem(), `${label}: still there 0.7 s over the soft limit`).toBeDefined();
      await until(async () => (await omem()) === undefined, 6000, `${label} to cut it off`);
      expect(Date.now() - overAt, label).toBeLessThan(6000);
      slow.close();
      admin.close();
    },
  );
});
