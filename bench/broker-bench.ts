/**
 * `npm run bench -- broker [--seconds 1] [--payload 120] [--rounds 3]`: PUBLISH throughput of the embedded
 * broker against a real redis-server started in the same run.
 *
 * Workload, shaped like the Socket.IO Redis adapter: each subscriber is a RESP3 connection that
 * SUBSCRIBEs to the request channel and PSUBSCRIBEs `socket.io#/#*`; one publisher PUBLISHes to
 * the request channel, so every publish reaches each subscriber once and is matched against
 * every pattern. Cases: 0, 1 and 3 subscribers, one command at a time and pipelined.
 *
 * Each server runs in its own process (the broker through its CLI), and the load comes from raw
 * sockets in this process, so neither side steals the other's core on a 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../server/free-port.ts';
import { RedisProcess } from '../server/redis-process.ts';
import { encodeCommand } from '../server/broker/resp-encoder.ts';
import { writeResult } from './result-file.ts';

const CHANNEL = 'socket.io-request#/#';
const PATTERN = 'socket.io#/#*';
/** Pipelined: batches of this many PUBLISHes, up to PIPELINE_WINDOW batches awaiting replies. */
const PIPELINE_DEPTH = 64;
const PIPELINE_WINDOW = 4;

interface Target {
  name: 'broker' | 'redis';
  port: number;
  stop(): Promise<void>;
}

interface CaseResult {
  server: 'broker' | 'redis';
  subscribers: number;
  pipelined: boolean;
  publishes: number;
  seconds: number;
  publishesPerSecond: number;
  /** Every subscriber got every message (checked by byte count). */
  delivered: boolean;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Resolves once `count` CRLF-terminated lines have arrived on the socket. */
function lineCounter(socket: net.Socket) {
  let lines = 0;
  let wanted = Infinity;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (lines >= wanted && wake) wake();
  });
  return {
    get lines() {
      return lines;
    },
    until(count: number): Promise<void> {
      if (lines >= count) return Promise.resolve();
      wanted = count;
      return new Promise((resolve) => (wake = resolve));
    },
  };
}

/** A subscriber as the adapter makes one; counts bytes of message pushes after the confirmations. */
async function subscriber(port: number) {
  const socket = await connect(port);
  socket.write(
    Buffer.concat([
      encodeCommand(['HELLO', '3']),
      encodeCommand(['SUBSCRIBE', CHANNEL]),
      encodeCommand(['PSUBSCRIBE', PATTERN]),
      encodeCommand(['PING', 'ready']),
    ]),
  );
  // The PING's reply comes after both confirmations, so after it only messages arrive.
  await new Promise<void>((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.endsWith('$5\r\nready\r\n')) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  let bytes = 0;
  let wanted = Infinity;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes >= wanted && wake) wake();
  });
  return {
    socket,
    received: (expected: number, timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        if (bytes >= expected) return resolve(bytes === expected);
        wanted = expected;
        const timer = setTimeout(() => resolve(false), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve(bytes === expected);
        };
      }),
  };
}

async function runCase(
  target: Target,
  subscribers: number,
  pipelined: boolean,
  seconds: number,
  payload: Buffer,
): Promise<CaseResult> {
  const subs = await Promise.all(
    Array.from({ length: subscribers }, () => subscriber(target.port)),
  );
  const pub = await connect(target.port);
  const replies = lineCounter(pub);
  const one = encodeCommand(['PUBLISH', CHANNEL, payload]);
  const batch = Buffer.concat(Array.from({ length: PIPELINE_DEPTH }, () => one));
  const frame = encodeCommand(['message', CHANNEL, payload]).length; // '>' and '*' frames are the same size

  let sent = 0;
  const publishFor = async (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (pipelined) {
        pub.write(batch);
        sent += PIPELINE_DEPTH;
        // Keep the server busy while this side counts replies, as redis-benchmark -P does.
        await replies.until(sent - PIPELINE_DEPTH * (PIPELINE_WINDOW - 1));
      } else {
        pub.write(one);
        sent++;
        await replies.until(sent);
      }
    }
    await replies.until(sent);
  };
  await publishFor(300); // warm-up: JIT, socket buffers
  const startCount = sent;
  const started = performance.now();
  await publishFor(seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const publishes = sent - startCount;
  // Warm-up messages count too: some of them may still have been in flight when timing began.
  const delivered = (await Promise.all(subs.map((s) => s.received(sent * frame, 10_000)))).every(
    Boolean,
  );
  for (const s of [pub, ...subs.map((x) => x.socket)]) s.destroy();
  return {
    server: target.name,
    subscribers,
    pipelined,
    publishes,
    seconds: Math.round(elapsed * 1000) / 1000,
    publishesPerSecond: Math.round(publishes / elapsed),
    delivered,
  };
}

/** The broker through its own CLI, in its own process, like redis-server. */
async function startBrokerProcess(): Promise<Target> {
  const port = await freePort();
  const cli = path.join(import.meta.dirname, '..', 'server', 'broker', 'cli.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', cli, '--port', String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`broker exited early (code ${code}): ${out}`)));
  });
  return {
    name: 'broker',
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startRedis(): Promise<Target> {
  const redis = await RedisProcess.start();
  return { name: 'redis', port: redis.port, stop: () => redis.stop() };
}

/** The fastest run of one case on one server. */
function best(
  results: CaseResult[],
  server: CaseResult['server'],
  subscribers: number,
  pipelined: boolean,
): CaseResult {
  return results
    .filter(
      (r) => r.server === server && r.subscribers === subscribers && r.pipelined === pipelined,
    )
    .reduce((a, b) => (b.publishesPerSecond > a.publishesPerSecond ? b : a));
}

export default async function brokerBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '1' },
      payload: { type: 'string', default: '120' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const seconds = Number(values.seconds);
  const payloadBytes = Number(values.payload);
  const rounds = Number(values.rounds);
  if (!(seconds > 0) || !(payloadBytes >= 0) || !(rounds >= 1)) {
    throw new Error('--seconds must be > 0, --payload a byte count and --rounds at least 1');
  }
  // Bytes like a msgpack-encoded broadcast: binary, not text.
  const payload = Buffer.alloc(payloadBytes, 0x93);

  // Both servers run for the whole bench and each case alternates between them, best of
  // `rounds`: on a shared 2-core machine other work comes and goes, and this way it hits both.
  const results: CaseResult[] = [];
  const targets = [await startRedis(), await startBrokerProcess()];
  try {
    for (const subscribers of [0, 1, 3]) {
      for (const pipelined of [false, true]) {
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0 ? targets : [...targets].reverse();
          for (const target of order) {
            results.push(await runCase(target, subscribers, pipelined, seconds, payload));
          }
        }
        for (const server of ['redis', 'broker'] as const) {
          const r = best(results, server, subscribers, pipelined);
          console.log(
            `${server.padEnd(6)} subs=${subscribers} ${pipelined ? 'pipelined ' : 'one-by-one'} ` +
              `${String(r.publishesPerSecond).padStart(8)} publishes/s${r.delivered ? '' : '  (DELIVERY MISMATCH)'}`,
          );
        }
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }

  const cases = [0, 1, 3]
    .flatMap((subscribers) => [false, true].map((pipelined) => ({ subscribers, pipelined })))
    .map(({ subscribers, pipelined }) => {
      const b = best(results, 'broker', subscribers, pipelined);
      const r = best(results, 'redis', subscribers, pipelined);
      return {
        subscribers: b.subscribers,
        pipelined: b.pipelined,
        brokerPerSecond: b.publishesPerSecond,
        redisPerSecond: r.publishesPerSecond,
        ratio: Math.round((b.publishesPerSecond / r.publishesPerSecond) * 100) / 100,
        delivered: results
          .filter((x) => x.subscribers === subscribers && x.pipelined === pipelined)
          .every((x) => x.delivered),
      };
    });
  const worst = Math.min(...cases.map((c) => c.ratio));
  console.log('\nbroker / redis-server');
  for (const c of cases) {
    console.log(
      `  subs=${c.subscribers} ${c.pipelined ? 'pipelined ' : 'one-by-one'} ${c.ratio.toFixed(2)}x`,
    );
  }
  console.log(`  worst ${worst.toFixed(2)}x (goal >= 0.5x)`);
  const file = writeResult('broker', {
    workload: {
      channel: CHANNEL,
      pattern: PATTERN,
      payloadBytes,
      seconds,
      rounds,
      pipelineDepth: PIPELINE_DEPTH,
      pipelineWindow: PIPELINE_WINDOW,
    },
    goal: { minRatio: 0.5 },
    worstRatio: worst,
    cases,
    raw: results,
  });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
  if (cases.some((c) => !c.delivered)) process.exitCode = 1;
}
