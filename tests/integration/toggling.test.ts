import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Socket } from 'socket.io-client';
import type { Redis } from 'ioredis';
import {
  BACKENDS,
  clientNames,
  closeAllLabs,
  collect,
  makeLab,
  nextEvent,
  numsub,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

/** Addresses of the named connections, from CLIENT LIST. */
async function addressesOf(admin: Redis, prefix: string): Promise<string[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((line) => new RegExp(`name=${prefix}`).test(line))
    .map((line) => /addr=(\S+)/.exec(line)![1]);
}

/**
 * Commands Redis sees from the given addresses while `during` runs, through MONITOR on a raw
 * socket (ioredis's monitor() can trip over output that arrives with MONITOR's own OK).
 */
async function commandsFrom(
  admin: Redis,
  url: string,
  addrs: string[],
  during: () => Promise<void>,
): Promise<string[]> {
  const { port } = new URL(url);
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  const seen: string[] = [];
  let buffered = '';
  const ok = new Promise<void>((resolve) => {
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') resolve();
        // +1795853530.248000 [0 127.0.0.1:58398] "publish" "channel" ...
        const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
        if (m && addrs.includes(m[1])) seen.push(m[2].toUpperCase());
      }
    });
  });
  socket.write('MONITOR\r\n');
  await ok;
  await during();
  // The connections are gone from CLIENT LIST only after Redis handled their last command.
  await until(
    async () => (await clientNames(admin)).every((n) => !n.startsWith('s2:')),
    10_000,
    's2 connections gone',
  );
  socket.destroy();
  return seen;
}

describe.each(BACKENDS)('toggling servers (%s)', (backend) => {
  let lab: TestLab;
  let a: Socket, b: Socket, c: Socket;

  beforeAll(async () => {
    lab = await makeLab(backend);
    [a, b, c] = await Promise.all([lab.client('s1'), lab.client('s2'), lab.client('s3')]);
  });
  afterAll(() => lab.close());

  async function broadcastReaches(
    from: Socket,
    text: string,
    expected: Socket[],
    missing: Socket[],
  ) {
    const misses = missing.map((s) => collect(s, 'chat message'));
    const got = Promise.all(expected.map((s) => nextEvent(s, 'chat message')));
    from.emit('chat message', text);
    expect(await got).toEqual(expected.map(() => [text]));
    for (const m of misses) {
      m.stop();
      expect(m.values).toEqual([]);
    }
  }

  it('stop says goodbye to Redis with QUIT; crash drops the connections with no QUIT', async () => {
    const addrs = await addressesOf(lab.admin, 's2:');
    expect(addrs.length).toBeGreaterThanOrEqual(2);
    const onStop = await commandsFrom(
      lab.admin,
      lab.lab.redis.url,
      addrs,
      async () => void (await lab.send(apiCalls.server('s2', 'stop'))),
    );
    expect(onStop).toContain('QUIT');

    const reconnected = nextEvent(b, 'connect', 10_000);
    await lab.send(apiCalls.server('s2', 'start'));
    await reconnected;
    const crashAddrs = await addressesOf(lab.admin, 's2:');
    const disconnected = nextEvent<string>(b, 'disconnect');
    const onCrash = await commandsFrom(lab.admin, lab.lab.redis.url, crashAddrs, async () => {
      const res = await lab.send(apiCalls.server('s2', 'crash'));
      expect(res.body).toMatchObject({ id: 's2', state: 'crashed' });
    });
    expect(onCrash).not.toContain('QUIT');
    // No close packet and no close frame: the client only notices the dead TCP connection.
    expect((await disconnected)[0]).toBe('transport close');
    await broadcastReaches(a, 'while s2 is crashed', [a, c], [b]);
    expect(await numsub(lab.admin, 'socket.io-request#/#')).toBe(2);
  });

  it('toggling 50 times leaks no Redis connection, no listener and no rejection', async () => {
    const reconnected = nextEvent(b, 'connect', 10_000);
    await lab.send(apiCalls.server('s2', 'start'));
    await reconnected;
    const baseline = (await clientNames(lab.admin)).filter((n) => /^s\d+:/.test(n)).sort();
    const warnings: string[] = [];
    const rejections: unknown[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('warning', onWarning);
    process.on('unhandledRejection', onRejection);
    try {
      for (let i = 0; i < 50; i++) {
        await lab.send(apiCalls.server('s2', i % 2 ? 'crash' : 'stop'));
        await lab.send(apiCalls.server('s2', 'start'));
      }
      await until(
        async () =>
          JSON.stringify((await clientNames(lab.admin)).filter((n) => /^s\d+:/.test(n)).sort()) ===
          JSON.stringify(baseline),
        10_000,
        'CLIENT LIST back to its baseline',
      );
    } finally {
      process.off('warning', onWarning);
      process.off('unhandledRejection', onRejection);
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    expect(rejections).toEqual([]);
    // The lab still works after all that.
    await nextEvent(b, 'connect', 10_000).catch(() => undefined);
    await until(() => b.connected, 10_000, 'b connected');
    await broadcastReaches(b, 'after 50 toggles', [a, b, c], []);
  });
});
