/**
 * The Redis Cluster a lab's servers use (`--redis-cluster`): the local one the lab started
 * (local-cluster.ts), or one given by URLs. The lab keeps one plain connection to each node,
 * named `lab:cluster-watch`, to see which nodes answer and what CLUSTER NODES says of them
 * (roles, slots), for GET /api/lab and the banner. Those connections never publish, so they
 * add nothing to the cluster bus counters the lab reads.
 */
import { EventEmitter } from 'node:events';
import { LabError } from '../lab-error.ts';
import { Redis } from 'ioredis';
import type { ClusterInfo, ClusterNodeInfo } from '../../trace/lab-info.ts';
import type { ClusterNodeStats, ClusterNodesReport } from '../../trace/events.ts';
import { NO_BUS, readNodeStats, SlotCache, type BusCounters } from './node-stats.ts';
import { probeRedis, redactUrl, redisVersion } from '../redis-finder.ts';
import { whenReady } from '../redis-clients.ts';
import { parseClusterInfo, parseClusterNodes, slotText } from './cluster-replies.ts';
import { ClusterStartError, LocalCluster, type LocalClusterOptions } from './local-cluster.ts';

/** How often the lab asks the nodes how they are while their bus counters are still. */
export const WATCH_MS = 1000;
/**
 * How soon the lab asks again while the bus counters are moving, until a read finds them still:
 * a broadcast's bus messages are then told apart (trace/cluster-bus.ts) a moment after its
 * reply, even when a read landed while they were on their way.
 */
export const QUIET_READ_MS = 150;

interface Watched {
  name: string;
  url: string;
  client: Redis;
  id: string;
  role: 'master' | 'replica';
  masterId?: string;
  slots: string;
  stats: Pick<ClusterNodeStats, 'bus' | 'channels' | 'shardChannels' | 'clients'>;
}

/** What the hub reports on the monitor: the nodes, and the bus messages since the last report. */
export type NodesReport = Pick<ClusterNodesReport, 'nodes' | 'busSent' | 'readFrom'>;

function watchClient(url: string): Redis {
  const client = new Redis(url, {
    connectionName: 'lab:cluster-watch',
    // A node that is down fails the question at once; the next round asks again.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  client.on('error', () => undefined);
  return client;
}

export class LabCluster extends EventEmitter {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private lastStats = '';
  private readonly slotCache = new SlotCache();
  /** Each node's counters at the last report, by name. */
  private reported = new Map<string, BusCounters>();
  private rounds: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;
  /** The bus counters at the last read, and whether they had moved since the read before. */
  private lastBus = '';
  private moving = false;

  private constructor(
    readonly kind: 'local' | 'external',
    readonly reason: string,
    readonly local: LocalCluster | null,
    /** The URLs the servers start from. */
    readonly urls: string[],
    readonly version: string,
  ) {
    super();
  }

  /** Starts a local cluster, or checks that the URLs are nodes of a cluster that is ok. */
  static async open(spec: { urls?: string[] } & LocalClusterOptions): Promise<LabCluster> {
    if (!spec.urls?.length) {
      const local = await LocalCluster.start(spec);
      const cluster = new LabCluster(
        'local',
        `the lab started ${local.nodes.length} redis-server nodes on free loopback ports, cluster mode on, persistence off`,
        local,
        local.urls,
        await redisVersion(local.urls[0]),
      );
      await cluster.watch(
        local.nodes.map((n) => ({ name: n.name, url: `redis://127.0.0.1:${n.port}` })),
      );
      return cluster;
    }
    let listing = '';
    for (const url of spec.urls) {
      try {
        listing = await probeRedis(url, ['CLUSTER', 'NODES']);
        break;
      } catch (err) {
        if (/cluster support disabled/i.test((err as Error).message))
          throw new ClusterStartError(
            `${redactUrl(url)} is a Redis without cluster mode; give the nodes of a Redis Cluster, or --redis-cluster alone for a local one.`,
          );
      }
    }
    if (!listing)
      throw new ClusterStartError(
        `No node of the Redis Cluster answers (${spec.urls.map(redactUrl).join(', ')}): start it, fix the URLs, or give --redis-cluster alone for a local cluster.`,
      );
    const nodes = parseClusterNodes(listing).sort((a, b) =>
      a.role === b.role ? a.port - b.port : a.role === 'master' ? -1 : 1,
    );
    const base = new URL(spec.urls[0]);
    const cluster = new LabCluster(
      'external',
      'you gave it with --redis-cluster or LAB_REDIS_CLUSTER',
      null,
      spec.urls,
      await redisVersion(spec.urls[0]).catch(() => 'unknown'),
    );
    await cluster.watch(
      nodes.map((n, i) => {
        const url = new URL(base);
        url.hostname = n.address.slice(0, n.address.lastIndexOf(':'));
        url.port = String(n.port);
        return { name: `n${i + 1}`, url: url.toString().replace(/\/$/, '') };
      }),
    );
    const info = await cluster.ask(0, 'CLUSTER', 'INFO').then(
      (reply) => parseClusterInfo(String(reply)),
      () => null,
    );
    if (info?.cluster_state !== 'ok') {
      await cluster.close();
      throw new ClusterStartError(
        `The Redis Cluster at ${redactUrl(spec.urls[0])} says cluster_state:${info?.cluster_state ?? 'nothing'}; wait until it is ok (every slot assigned and served), or fix it with redis-cli --cluster fix.`,
      );
    }
    return cluster;
  }

  private async watch(nodes: { name: string; url: string }[]): Promise<void> {
    for (const n of nodes)
      this.watched.push({
        ...n,
        client: watchClient(n.url),
        id: '',
        role: 'master',
        slots: '',
        stats: { bus: NO_BUS, channels: [], shardChannels: [], clients: [] },
      });
    await Promise.all(this.watched.map((w) => whenReady(w.client)));
    await this.refresh();
    this.schedule();
  }

  /** The next timed read: soon while the counters move, at the quiet pace otherwise. */
  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        // A slow round (a node that hangs) is not queued behind again and again.
        if (this.pending > 0) return this.schedule();
        void this.refresh().finally(() => this.schedule());
      },
      this.moving ? QUIET_READ_MS : WATCH_MS,
    );
    this.timer.unref();
  }

  /** One command on node `i`'s watch connection; rejects at once when the node is down. */
  ask(i: number, ...args: string[]): Promise<unknown> {
    return this.watched[i].client.call(args[0], ...args.slice(1));
  }

  /**
   * Asks every node for CLUSTER NODES (the first answer says the roles and the slots) and for its
   * own figures (node-stats.ts); emits `change` when the topology changed and `stats` with a
   * report when any figure did.
   */
  refresh(): Promise<void> {
    // One round at a time: a report's figures are then all read between its readFrom and its t,
    // which the page relies on to tell one broadcast's bus messages apart (trace/cluster-bus.ts).
    this.pending++;
    this.rounds = this.rounds
      .then(() => this.readRound())
      .catch(() => undefined)
      .finally(() => this.pending--);
    return this.rounds;
  }

  private async readRound(): Promise<void> {
    const readFrom = Date.now();
    await Promise.all(
      this.watched.map(async (w, i) => {
        w.stats = await readNodeStats((...args) => this.ask(i, ...args), this.slotCache).catch(
          () => w.stats,
        );
      }),
    );
    const listings = await Promise.all(
      this.watched.map((_, i) => this.ask(i, 'CLUSTER', 'NODES').then(String, () => '')),
    );
    const listing = listings.find(Boolean);
    if (listing) {
      const byPort = new Map(parseClusterNodes(listing).map((n) => [n.port, n]));
      for (const w of this.watched) {
        const seen = byPort.get(Number(new URL(w.url).port));
        if (!seen) continue;
        Object.assign(w, {
          id: seen.id,
          role: seen.role,
          masterId: seen.masterId,
          slots: slotText(seen.slots),
        });
      }
    }
    const now = JSON.stringify(this.nodes());
    if (now !== this.last) {
      this.last = now;
      this.emit('change');
    }
    const stats = JSON.stringify(this.nodeStats());
    const bus = JSON.stringify(this.watched.map((w) => w.stats.bus));
    const wasMoving = this.moving;
    this.moving = bus !== this.lastBus;
    this.lastBus = bus;
    // The first still read after the bus moved is reported too: it closes the span of a
    // broadcast whose messages an earlier read caught on their way.
    if (stats !== this.lastStats || (wasMoving && !this.moving)) {
      this.lastStats = stats;
      this.emit('stats', { ...this.takeReport(), readFrom });
    }
  }

  nodeStats(): ClusterNodeStats[] {
    return this.nodes().map((n, i) => ({
      name: n.name,
      address: new URL(this.watched[i].url).host,
      role: n.role,
      ...(n.master ? { master: n.master } : {}),
      slots: n.slots,
      state: n.state,
      ...this.watched[i].stats,
    }));
  }

  /** The nodes now, and the bus messages each sent since the last report (a restarted node counts from 0). */
  private takeReport(): Omit<NodesReport, 'readFrom'> {
    const nodes = this.nodeStats();
    const busSent = { publish: 0, shard: 0 };
    for (const n of nodes) {
      const before = this.reported.get(n.name) ?? NO_BUS;
      const since = (now: number, then: number) => (now >= then ? now - then : now);
      busSent.publish += since(n.bus.publishSent, before.publishSent);
      busSent.shard += since(n.bus.shardSent, before.shardSent);
    }
    this.reported = new Map(nodes.map((n) => [n.name, n.bus]));
    return { nodes, busSent };
  }

  nodes(): ClusterNodeInfo[] {
    return this.watched.map((w) => ({
      name: w.name,
      url: redactUrl(w.url),
      id: w.id,
      role: w.role,
      master: this.watched.find((m) => m.id && m.id === w.masterId)?.name,
      slots: w.slots,
      state: w.client.status === 'ready' ? 'up' : 'down',
    }));
  }

  info(): ClusterInfo {
    return { kind: this.kind, reason: this.reason, version: this.version, nodes: this.nodes() };
  }

  /**
   * Stops or starts one node of the local cluster (POST /api/redis/nodes/{id}/stop|start). A
   * stopped master takes its slots away until its replica, if it has one, is voted in (about
   * cluster-node-timeout later); a node started again rejoins from its nodes.conf, as a replica
   * of whoever took its slots meanwhile. Answers the nodes as GET /api/lab lists them.
   */
  async toggleNode(name: string, action: 'stop' | 'start'): Promise<ClusterNodeInfo[]> {
    if (!this.local)
      throw new LabError(
        409,
        `The lab did not start this Redis Cluster (${this.reason}), so it cannot stop or start its nodes: stop one yourself (redis-cli -h HOST -p PORT shutdown nosave), or run the lab with --redis-cluster alone for a local cluster.`,
      );
    const node = this.local.node(name);
    if (!node)
      throw new LabError(
        404,
        `The cluster has no node ${name}: its nodes are ${this.local.nodes.map((n) => n.name).join(', ')}.`,
      );
    if (action === 'stop') await node.process.stop();
    else await node.process.start();
    await this.refresh();
    return this.nodes();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watched) w.client.disconnect();
    await this.local?.stop();
  }
}
