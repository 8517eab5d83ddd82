/**
 * `npm run bench -- cluster [--rounds 6] [--seconds 3] [--rooms 10] [--per-room 3] [--window 8]`:
 * classic pub/sub against sharded pub/sub on a Redis Cluster, as users run them:
 * `npm start -- --redis-cluster <urls> --adapter redis` and `... --adapter sharded`, each a child
 * process with 3 servers, both on the SAME local 3-master cluster that this bench starts once.
 *
 * Load: `--rooms` rooms of `--per-room` clients spread over the three servers; in each room one
 * client broadcasts 100-byte room messages to its room in a closed loop (`--window` in flight, the
 * next sent when a member on another server got one). The programs take short turns, in an order
 * that alternates each round; the other one sits idle meanwhile (a classic PUBLISH never reaches
 * an SSUBSCRIBEd connection, nor an SPUBLISH a SUBSCRIBEd one, so they cannot hear each other).
 * Per turn: broadcasts/s that reached every member, and the cluster-bus messages per broadcast
 * from the nodes' CLUSTER INFO counters (cluster-figures.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { freePortBlock } from '../server/free-port.ts';
import { RedisProcess } from '../server/redis-process.ts';
import { LocalCluster } from '../server/redis-cluster/local-cluster.ts';
import { busCounters } from '../server/redis-cluster/node-stats.ts';
import { numberOption } from './bench-stats.ts';
import {
  busPerBroadcast,
  busSent,
  busSettled,
  summarizeCluster,
  sumBus,
  type ClusterProgram,
  type ClusterTurn,
} from './cluster-figures.ts';
import { writeResult } from './result-file.ts';
import { labReady, startProgram, type ChildProgram } from './setups.ts';
import { inRounds } from './rounds.ts';

const ADAPTER: Record<ClusterProgram, string> = { classic: 'redis', sharded: 'sharded' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One program's rooms: member 0 of each room sends, member 1 (on another server) paces it. */
class Rooms {
  private rooms: Socket[][] = [];
  private running = false;
  sent = 0;
  delivered = 0;
  /** Broadcasts that reached the pacing member, the one on another server than the sender. */
  crossed = 0;

  constructor(
    private readonly basePort: number,
    private readonly size: number,
  ) {}

  async connect(count: number): Promise<void> {
    this.rooms = Array.from({ length: count }, (_, r) =>
      Array.from({ length: this.size }, (_, m) =>
        connect(`http://127.0.0.1:${this.basePort + ((r + m) % 3)}`, {
          transports: ['websocket'],
          reconnection: false,
        }),
      ),
    );
    await Promise.all(
      this.rooms.flatMap((members, r) =>
        members.map(async (s) => {
          await new Promise<void>((resolve, reject) => {
            s.once('connect', () => resolve());
            s.once('connect_error', reject);
          });
          await s.emitWithAck('join', `room${r + 1}`);
          s.on('room message', () => this.delivered++);
        }),
      ),
    );
  }

  /**
   * The closed loop in every room for `warmMs + measureMs`; broadcasts/s over the measured part,
   * then waits until every broadcast reached every member (or 10 s).
   */
  async run(window: number, warmMs: number, measureMs: number) {
    const first = { sent: this.sent, delivered: this.delivered };
    this.running = true;
    const pacers = this.rooms.map((members, r) => {
      const room = `room${r + 1}`;
      const send = () => {
        this.sent++;
        members[0].emit('room message', room, `${this.sent}:`.padEnd(100, 'x'));
      };
      const onCrossed = () => {
        this.crossed++;
        if (this.running) send();
      };
      members[1].on('room message', onCrossed);
      for (let i = 0; i < window; i++) send();
      return () => members[1].off('room message', onCrossed);
    });
    await pause(warmMs);
    const start = { at: performance.now(), crossed: this.crossed };
    await pause(measureMs);
    const end = { at: performance.now(), crossed: this.crossed };
    this.running = false;
    const expected = first.delivered + (this.sent - first.sent) * this.size;
    const deadline = performance.now() + 10_000;
    while (this.delivered < expected && performance.now() < deadline) await pause(5);
    for (const off of pacers) off();
    return {
      broadcastsPerSecond: ((end.crossed - start.crossed) * 1000) / (end.at - start.at),
      broadcasts: this.sent - first.sent,
      missing: expected - this.delivered,
    };
  }

  disconnect(): void {
    for (const s of this.rooms.flat()) s.disconnect();
  }
}

/** The cluster's bus counters summed over its nodes, once every message sent was received. */
async function settledBus(nodes: Redis[]) {
  const deadline = performance.now() + 5000;
  for (;;) {
    const total = sumBus(
      await Promise.all(
        nodes.map(async (n) => busCounters(String(await n.call('CLUSTER', 'INFO')))),
      ),
    );
    if (busSettled(total) || performance.now() > deadline) return total;
    await pause(20);
  }
}

interface Lab {
  program: ClusterProgram;
  hubPort: number;
  process: ChildProgram;
  rooms: Rooms;
}

async function startLab(
  program: ClusterProgram,
  urls: string[],
  redisUrl: string,
  perRoom: number,
): Promise<Lab> {
  const hubPort = await freePortBlock(4);
  const flags = [
    ['--port', hubPort],
    ['--base-port', hubPort + 1],
    ['--redis', redisUrl],
    ['--redis-cluster', urls.join(',')],
    ['--adapter', ADAPTER[program]],
    // The lab's flood guard would otherwise be what is measured; the monitor is off, as in
    // the lab bench's `off` program.
    ['--client-rate', 1_000_000],
    ['--monitor', 'off'],
  ].flat();
  const child = await startProgram(
    ['npm', 'start', '--silent', '--', ...flags.map(String), '--quiet'],
    `the ${program} lab`,
    () => labReady(hubPort),
  );
  return { program, hubPort, process: child, rooms: new Rooms(hubPort + 1, perRoom) };
}

export default async function clusterBench(argv: string[]): Promise<void> {
  const rounds = numberOption(argv, 'rounds', 6);
  const seconds = numberOption(argv, 'seconds', 3);
  const warmSeconds = numberOption(argv, 'warm', 0.5);
  const roomCount = numberOption(argv, 'rooms', 10);
  const perRoom = numberOption(argv, 'per-room', 3);
  const window = numberOption(argv, 'window', 8);
  if (!(rounds >= 1 && seconds > 0 && roomCount >= 1 && perRoom >= 2 && window >= 1)) {
    console.error(
      'Use --rounds >= 1, --seconds > 0, --rooms >= 1, --per-room >= 2 and --window >= 1.',
    );
    process.exit(2);
  }
  const loadAtStart = os.loadavg();
  console.log(
    `Cluster bench: classic (--adapter redis) and sharded (--adapter sharded) on one local 3-master cluster, 3 servers each; ${roomCount} rooms of ${perRoom} clients, ${window} in flight per room; ${rounds} rounds of ${seconds} s per program; load average ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`,
  );
  const stops: (() => unknown)[] = [];
  const labs: Lab[] = [];
  const turns: ClusterTurn[] = [];
  try {
    const t0 = performance.now();
    const cluster = await LocalCluster.start();
    stops.push(() => cluster.stop());
    const nodes = cluster.urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
    stops.unshift(() => nodes.forEach((n) => n.disconnect()));
    console.log(
      `  cluster: ${cluster.urls.join(', ')} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const program of ['classic', 'sharded'] as const) {
      const t1 = performance.now();
      // Each lab has its own Redis for its own channels; the adapters' traffic is the cluster's.
      const redis = await RedisProcess.start();
      stops.push(() => redis.stop());
      const lab = await startLab(program, cluster.urls, redis.url, perRoom);
      stops.unshift(() => lab.process.stop());
      stops.unshift(() => lab.rooms.disconnect());
      await lab.rooms.connect(roomCount);
      labs.push(lab);
      console.log(`  ${program}: ready in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }

    // One warm-up round, not recorded: the JIT, new sockets' buffers, ioredis's slot maps.
    await inRounds({ programs: labs, rounds, warmRounds: 1 }, async (order, round) => {
      const line: string[] = [];
      for (const lab of order) {
        const before = await settledBus(nodes);
        const r = await lab.rooms.run(window, warmSeconds * 1000, seconds * 1000);
        const sent = busSent(before, await settledBus(nodes));
        const turn: ClusterTurn = {
          round,
          program: lab.program,
          broadcastsPerSecond: Math.round(r.broadcastsPerSecond),
          broadcasts: r.broadcasts,
          busPublish: sent.publish,
          busShard: sent.shard,
          missing: r.missing,
        };
        if (round >= 0) turns.push(turn);
        line.push(
          `${lab.program} ${turn.broadcastsPerSecond}/s, ${busPerBroadcast(turn).toFixed(2)} bus messages per broadcast${r.missing ? `, ${r.missing} deliveries MISSING` : ''}`,
        );
      }
      return line.join('; ');
    });

    const summary = summarizeCluster(turns);
    console.log('  medians over the rounds:');
    for (const p of summary.programs)
      console.log(
        `    ${p.program.padEnd(8)} ${p.broadcastsPerSecond} broadcasts/s, ${p.busPerBroadcast} cluster-bus messages per broadcast${p.missing ? `, ${p.missing} deliveries MISSING` : ''}`,
      );
    const { estimate, low, high } = summary.ratio;
    console.log(
      `  sharded/classic broadcasts/s, paired per round: ${estimate.toFixed(3)} [95% interval ${low.toFixed(3)}, ${high.toFixed(3)}]`,
    );
    const file = writeResult('cluster', {
      options: { rounds, seconds, warmSeconds, rooms: roomCount, perRoom, window },
      loadAtStart,
      loadAtEnd: os.loadavg(),
      summary,
      turns,
    });
    console.log(`  raw figures in ${path.relative(process.cwd(), file)}`);
    if (summary.programs.some((p) => p.missing > 0)) process.exitCode = 1;
  } finally {
    for (const stop of stops) await stop();
  }
}
