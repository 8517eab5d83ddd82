/**
 * A Redis Cluster the lab runs itself: N masters (3 by default), each with R replicas, from
 * Debian's redis-server on free loopback ports, cluster mode on, persistence off. It is joined
 * as `redis-cli --cluster create` joins one: slots split the same way and assigned with
 * ADDSLOTSRANGE, a distinct config epoch per node, CLUSTER MEET, then CLUSTER REPLICATE; and it
 * is ready when every node says `cluster_state:ok`. Every node is a watched child
 * (watched-child.ts), so none outlives the lab, however the lab ends.
 *
 * A stopped node can be started again on its ports: its nodes.conf (in the cluster's temp
 * folder) brings it back into the cluster it left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../free-port.ts';
import { RedisProcess, redisServerOnPath } from '../redis-process.ts';
import { parseClusterInfo, parseClusterNodes, slotRanges } from './cluster-replies.ts';

export interface LocalClusterOptions {
  /** Masters, 3 by default (a cluster needs at least 3 to vote a failover). */
  masters?: number;
  /** Replicas per master, 0 by default. */
  replicas?: number;
  /**
   * How long a node may be silent before the others mark it failing (cluster-node-timeout).
   * Short, so that a stopped node's replica takes over within seconds in a lesson.
   */
  nodeTimeoutMs?: number;
  /** How long start() waits for `cluster_state:ok`. */
  readyTimeoutMs?: number;
}

export interface LocalNode {
  /** n1, n2...: masters first, then replicas. */
  name: string;
  port: number;
  busPort: number;
  /** What the node was made as; after a failover CLUSTER NODES may say otherwise. */
  madeAs: 'master' | 'replica';
  process: RedisProcess;
  /** Its cluster node id (CLUSTER MYID). */
  id: string;
}

export class ClusterStartError extends Error {}

export const HOW_TO_GET_REDIS_SERVER =
  'A Redis Cluster needs redis-server 7 or newer: install it with "sudo apt-get install redis-server" (Debian/Ubuntu) or "brew install redis" (macOS), or give the nodes of a running cluster with --redis-cluster redis://host:port,...';

function adminClient(port: number): Redis {
  const client = new Redis(port, '127.0.0.1', {
    connectionName: 'lab:cluster-admin',
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}

async function call(port: number, ...args: string[]): Promise<string> {
  const client = adminClient(port);
  try {
    return String(await client.call(args[0], ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

export class LocalCluster {
  private constructor(
    readonly nodes: LocalNode[],
    private readonly dir: string,
    private readonly readyTimeoutMs: number,
  ) {}

  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicas ?? 0;
    if (!Number.isInteger(masters) || masters < 1 || masters > 16)
      throw new ClusterStartError(`A local cluster has 1 to 16 masters, not ${masters}.`);
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 2)
      throw new ClusterStartError(
        `A local cluster has 0 to 2 replicas per master, not ${replicas}.`,
      );
    if (!redisServerOnPath()) throw new ClusterStartError(HOW_TO_GET_REDIS_SERVER);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fanout-lab-cluster-'));
    const total = masters * (1 + replicas);
    const nodes: LocalNode[] = [];
    const cluster = new LocalCluster(nodes, dir, options.readyTimeoutMs ?? 20_000);
    try {
      for (let i = 0; i < total; i++) {
        const port = await freePort();
        const busPort = await freePort();
        const args = [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2000),
          // A stopped master takes only its own slots away; the other shards go on serving.
          '--cluster-require-full-coverage',
          'no',
          '--dir',
          dir,
        ];
        const server = await RedisProcess.start(port, args);
        nodes.push({
          name: `n${i + 1}`,
          port,
          busPort,
          madeAs: i < masters ? 'master' : 'replica',
          process: server,
          id: await call(port, 'CLUSTER', 'MYID'),
        });
      }
      await cluster.join(masters);
    } catch (err) {
      await cluster.stop();
      if (err instanceof ClusterStartError) throw err;
      throw new ClusterStartError(
        `The local Redis Cluster did not start: ${(err as Error).message}`,
      );
    }
    return cluster;
  }

  /** What `redis-cli --cluster create` does once the nodes run. */
  private async join(masters: number): Promise<void> {
    const ranges = slotRanges(masters);
    for (const [i, node] of this.nodes.entries()) {
      if (i < masters) {
        const [first, last] = ranges[i];
        await call(node.port, 'CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
      }
      await call(node.port, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
    }
    const first = this.nodes[0];
    for (const node of this.nodes.slice(1))
      await call(
        first.port,
        'CLUSTER',
        'MEET',
        '127.0.0.1',
        String(node.port),
        String(node.busPort),
      );
    await this.waitFor('every node to know every other', async () => {
      for (const node of this.nodes) {
        const known = parseClusterNodes(await call(node.port, 'CLUSTER', 'NODES'));
        if (known.length !== this.nodes.length || known.some((n) => n.failing)) return false;
      }
      return true;
    });
    // Replicas in turn: n4 follows n1, n5 n2, and so on.
    for (const [i, node] of this.nodes.entries()) {
      if (node.madeAs !== 'replica') continue;
      await call(node.port, 'CLUSTER', 'REPLICATE', this.nodes[i % masters].id);
    }
    await this.waitUntilOk();
  }

  /**
   * Resolves once every running node says `cluster_state:ok`, knows the owner of every slot and
   * its replicas, and every replica has synced with its master (`master_link_status:up`): a
   * replica that never synced holds data Redis deems too old, and refuses to take over when its
   * master stops.
   */
  async waitUntilOk(): Promise<void> {
    const running = () => this.nodes.filter((n) => n.process.running);
    const replicas = this.nodes.filter((n) => n.madeAs === 'replica').length;
    await this.waitFor('cluster_state:ok on every node', async () => {
      for (const node of running()) {
        const info = parseClusterInfo(await call(node.port, 'CLUSTER', 'INFO'));
        if (info.cluster_state !== 'ok') return false;
        // A node can say ok before gossip has told it who owns every slot (CI saw 10923 of 16384
        // assigned on one node); until it knows them all it MOVEs clients to the wrong place.
        if (info.cluster_slots_assigned !== 16384) return false;
        const listed = parseClusterNodes(await call(node.port, 'CLUSTER', 'NODES'));
        if (listed.filter((n) => n.role === 'replica').length < replicas) return false;
        const me = listed.find((n) => n.myself);
        if (me?.role === 'replica') {
          const replication = await call(node.port, 'INFO', 'replication');
          if (!/master_link_status:up/.test(replication)) return false;
        }
      }
      return true;
    });
  }

  private async waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline)
        throw new ClusterStartError(
          `The local Redis Cluster did not reach ${what} within ${this.readyTimeoutMs / 1000} s.`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The URLs of the nodes, masters first: what ioredis's Cluster starts from. */
  get urls(): string[] {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  }

  node(name: string): LocalNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** Stops every node and removes the cluster's folder. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
