/**
 * The lab's local Redis Cluster (server/redis-cluster/local-cluster.ts) on Debian's real
 * redis-server: joined as redis-cli joins one, serving every slot, stopped with its owner, and
 * gone when its owner is killed. A missing redis-server fails this file; it never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { LocalCluster } from '../../server/redis-cluster/local-cluster.ts';
import { parseClusterInfo, parseClusterNodes } from '../../server/redis-cluster/cluster-replies.ts';
import { isListening } from '../../server/free-port.ts';
import { killAllRuns, run, waitForOutput } from '../support/lab-process.ts';

async function ask(port: number, ...args: string[]): Promise<string> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    return String(await client.call(args[0], ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

async function untilClosed(ports: number[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await Promise.all(ports.map((p) => isListening('127.0.0.1', p)));
    if (!open.some(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('a local Redis Cluster', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start();
  });

  afterAll(async () => {
    await cluster?.stop();
    await killAllRuns();
  });

  it('has 3 masters that each say cluster_state:ok and own the slots redis-cli would give them', async () => {
    expect(cluster.nodes.map((n) => n.madeAs)).toEqual(['master', 'master', 'master']);
    for (const node of cluster.nodes) {
      const info = parseClusterInfo(await ask(node.port, 'CLUSTER', 'INFO'));
      expect(info.cluster_state).toBe('ok');
      expect(info.cluster_known_nodes).toBe(3);
      expect(info.cluster_slots_assigned).toBe(16384);
    }
    const listed = parseClusterNodes(await ask(cluster.nodes[0].port, 'CLUSTER', 'NODES'));
    const byPort = new Map(listed.map((n) => [n.port, n.slots]));
    expect(cluster.nodes.map((n) => byPort.get(n.port))).toEqual([
      [[0, 5460]],
      [[5461, 10922]],
      [[10923, 16383]],
    ]);
    // Persistence off, as the lab's single Redis.
    expect(await ask(cluster.nodes[0].port, 'CONFIG', 'GET', 'appendonly')).toContain('no');
  });

  it('serves keys of every shard to an ioredis Cluster client', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0].port }]);
    try {
      // {a}, {b} and {c} hash to slots 15495, 3300 and 7365: one on each master.
      for (const key of ['{a}', '{b}', '{c}']) await client.set(key, key);
      expect(await Promise.all(['{a}', '{b}', '{c}'].map((k) => client.get(k)))).toEqual([
        '{a}',
        '{b}',
        '{c}',
      ]);
      const slots = await Promise.all(
        ['{a}', '{b}', '{c}'].map((k) => ask(cluster.nodes[0].port, 'CLUSTER', 'KEYSLOT', k)),
      );
      expect(slots.map(Number)).toEqual([15495, 3300, 7365]);
    } finally {
      client.disconnect();
    }
  });

  it('never outlives a killed owner', async () => {
    const child = run('tests/support/cluster-child.ts', ['1']);
    await waitForOutput(child, 'cluster ports ');
    const ports = JSON.parse(/cluster ports (\[[^\]]*\])/.exec(child.output())![1]) as number[];
    expect(await isListening('127.0.0.1', ports[0])).toBe(true);
    child.child.kill('SIGKILL');
    await child.exited;
    expect(await untilClosed(ports)).toBe(true);
  });

  it('stops every node', async () => {
    const ports = cluster.nodes.map((n) => n.port);
    await cluster.stop();
    expect(await untilClosed(ports, 1000)).toBe(true);
  });
});
