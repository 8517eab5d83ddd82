import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmbeddedBroker, type BrokerEvent } from '../../server/broker/broker.ts';
import { RawRespClient } from '../../server/broker/raw-resp-client.ts';
import { encodeCommand } from '../../server/broker/resp-encoder.ts';
import { seededRandom } from '../../trace/sim/seeded-random.ts';

/**
 * Random and mutated RESP thrown at the broker for a bounded time. The broker must stay up,
 * drop only the connections that misbehave, and keep serving a well-behaved pair of clients.
 */

const FUZZ_MS = Number(process.env.BROKER_FUZZ_MS ?? 3000);
const PARALLEL = 4;
const SEED = Number(process.env.BROKER_FUZZ_SEED ?? Date.now() % 2 ** 31);

// Seedable, so a failing run can be replayed with BROKER_FUZZ_SEED.
const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

/** Valid commands to start from; nothing that could touch the well-behaved clients (CLIENT KILL). */
const SEEDS: string[][] = [
  ['PING'],
  ['PING', 'x'],
  ['ECHO', 'hello'],
  ['HELLO', '3'],
  ['HELLO', '2', 'SETNAME', 'fuzz'],
  ['SUBSCRIBE', 'f1', 'f2'],
  ['PSUBSCRIBE', 'f*', 'h[a-z]?'],
  ['SSUBSCRIBE', 's1'],
  ['UNSUBSCRIBE'],
  ['PUNSUBSCRIBE', 'f*'],
  ['PUBLISH', 'f1', 'payload'],
  ['SPUBLISH', 's1', 'payload'],
  ['PUBSUB', 'NUMSUB', 'f1'],
  ['PUBSUB', 'CHANNELS', '*'],
  ['CLIENT', 'SETNAME', 'fuzzer'],
  ['CLIENT', 'LIST'],
  ['CLIENT', 'INFO'],
  ['INFO'],
  ['COMMAND', 'DOCS', 'publish'],
  ['MONITOR'],
  ['RESET'],
  ['SELECT', '0'],
  ['AUTH', 'x'],
  ['XADD', 'fs', 'MAXLEN', '~', '100', '*', 'f', 'v'],
  ['XADD', 'fs', '5-*', 'f', 'v'],
  ['XREAD', 'COUNT', '10', 'BLOCK', '20', 'STREAMS', 'fs', '$'],
  ['XREAD', 'STREAMS', 'fs', '0'],
  ['XRANGE', 'fs', '-', '+', 'COUNT', '5'],
  ['XREVRANGE', 'fs', '+', '(0-1'],
  ['XTRIM', 'fs', 'MAXLEN', '=', '3'],
  ['SET', 'fk', 'v', 'PX', '100'],
  ['GET', 'fk'],
  ['DEL', 'fk', 'fs'],
  ['MULTI'],
  ['EXEC'],
  ['DISCARD'],
];

const NASTY = [
  '*',
  '$',
  ':',
  '\r',
  '\n',
  '\r\n',
  '-1',
  '0',
  '2147483648',
  '99999999999',
  '"',
  "'",
  '\\x',
];

function mutate(input: Buffer): Buffer {
  const bytes = [...input];
  const edits = 1 + int(4);
  for (let i = 0; i < edits; i++) {
    const at = int(bytes.length + 1);
    switch (int(6)) {
      case 0: // flip a byte
        if (bytes.length) bytes[Math.min(at, bytes.length - 1)] = int(256);
        break;
      case 1: // insert a protocol-significant token
        bytes.splice(at, 0, ...Buffer.from(pick(NASTY)));
        break;
      case 2: // delete a run
        bytes.splice(at, 1 + int(8));
        break;
      case 3: // duplicate a run
        bytes.splice(at, 0, ...bytes.slice(at, at + 1 + int(16)));
        break;
      case 4: // truncate
        bytes.length = at;
        break;
      default: // rewrite a length header
        bytes.splice(at, 0, ...Buffer.from(`${pick(['*', '$'])}${pick(NASTY)}\r\n`));
    }
  }
  return Buffer.from(bytes);
}

/** One fuzz payload: pipelined valid commands, some mutated, or plain noise, or inline text. */
function payload(): Buffer {
  const kind = int(4);
  if (kind === 0) return randomBytes(1 + int(512));
  if (kind === 1)
    return Buffer.from(
      `${pick(SEEDS).join(' ')} "${randomBytes(4).toString('latin1')}\r\n`,
      'latin1',
    );
  const commands = Array.from({ length: 1 + int(5) }, () => encodeCommand(pick(SEEDS)));
  const valid = Buffer.concat(commands);
  return kind === 2 ? valid : mutate(valid);
}

/** Writes the payload in random pieces, half-closes, and waits until the broker closes too. */
function fuzzOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    socket.once('connect', () => {
      const data = payload();
      let pos = 0;
      while (pos < data.length) {
        const n = 1 + int(64);
        socket.write(data.subarray(pos, pos + n));
        pos += n;
      }
      socket.end();
    });
    socket.setTimeout(10_000, () => reject(new Error('broker never closed a fuzz connection')));
  });
}

let broker: EmbeddedBroker;
const events: BrokerEvent[] = [];
let onClosed: (() => void) | null = null;

beforeAll(async () => {
  broker = await EmbeddedBroker.start({
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'client-closed' || e.type === 'client-killed') onClosed?.();
    },
  });
});
afterAll(() => broker.stop());

it(`survives ${FUZZ_MS} ms of random and mutated RESP (seed ${SEED})`, async () => {
  const good = `good-${randomBytes(4).toString('hex')}`;
  const sub = await RawRespClient.connect(broker.port);
  const pub = await RawRespClient.connect(broker.port);
  await sub.command('CLIENT', 'SETNAME', 'well-behaved-sub');
  await sub.command('SUBSCRIBE', good);

  let rounds = 0;
  let checks = 0;
  const deadline = Date.now() + FUZZ_MS;
  const worker = async () => {
    while (Date.now() < deadline) {
      await fuzzOnce(broker.port);
      rounds++;
    }
  };
  const checker = async () => {
    while (Date.now() < deadline) {
      const token = `check-${checks++}`;
      expect(await pub.command('PUBLISH', good, token)).toMatchObject({ type: 'int' });
      await sub.waitUntil(
        () =>
          sub.frames.some(
            (f) =>
              f.type === 'array' && f.value?.[2]?.type === 'bulk' && f.value[2].value === token,
          ),
        `message ${token}`,
      );
      sub.drain();
      expect(await pub.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
    }
  };
  await Promise.all([...Array.from({ length: PARALLEL }, worker), checker()]);

  expect(broker.running).toBe(true);
  expect(rounds).toBeGreaterThan(200);
  expect(checks).toBeGreaterThan(10);
  // Fuzz connections are all gone (the broker may see the last closes a tick after the
  // fuzzers do), and took their subscriptions with them.
  while (broker.clients().length > 2) {
    await new Promise<void>((resolve) => (onClosed = resolve));
  }
  const names = broker.clients().map((c) => c.name);
  expect(names.sort()).toEqual(['', 'well-behaved-sub']);
  const snapshot = broker.subscriptions();
  expect(snapshot.channels).toEqual([
    { name: good, subscribers: [expect.objectContaining({ name: 'well-behaved-sub' })] },
  ]);
  expect(snapshot.patterns).toEqual([]);
  expect(snapshot.shardChannels).toEqual([]);
  expect(events.some((e) => e.type === 'client-killed' && e.reason === 'protocol-error')).toBe(
    true,
  );
  expect(events.some((e) => e.type === 'client-killed' && e.reason === 'internal-error')).toBe(
    false,
  );
  sub.close();
  pub.close();
});
