import { describe, expect, it } from 'vitest';
import type { ClusterNodeStats, LabEvent } from '../../../../trace/events.ts';
import { keySlot } from '../../../../trace/cluster-slots.ts';
import { hopSegments } from './hop-animation.ts';
import { stageOf, threeServers } from './stage-fixture.ts';

const bus = { publishSent: 4, publishReceived: 2, shardSent: 0, shardReceived: 0 };

function node(i: number, slots: string, extra: Partial<ClusterNodeStats> = {}): ClusterNodeStats {
  return {
    name: `n${i}`,
    address: `127.0.0.1:700${i}`,
    role: 'master',
    slots,
    state: 'up',
    bus,
    channels: [],
    shardChannels: [],
    clients: [],
    ...extra,
  };
}

/** s1 and s3 subscribed on n1, s2 on n3, as CLIENT LIST names a Cluster's subscriber connections. */
function clusterLab(replica = false, n3: Partial<ClusterNodeStats> = {}) {
  const s = threeServers();
  s.emit({
    kind: 'cluster.nodes',
    server: 'hub',
    busSent: { publish: 0, shard: 0 },
    nodes: [
      node(1, '0-5460', {
        channels: ['socket.io-request#/#'],
        clients: [
          'ioredis-cluster(subscriber):s1:sub',
          'ioredis-cluster(subscriber):s3:sub',
          's2:pub',
        ],
      }),
      node(2, '5461-10922'),
      node(3, '10923-16383', { clients: ['ioredis-cluster(subscriber):s2:sub'], ...n3 }),
      ...(replica ? [node(4, '', { role: 'replica', master: 'n1' })] : []),
    ],
  } as unknown as Parameters<typeof s.emit>[0]);
  return s;
}

const publish = (command: 'PUBLISH' | 'SPUBLISH', node?: string, channel = 'socket.io#/#') =>
  ({
    kind: 'publish',
    server: 's1',
    flow: 'f1',
    step: 8,
    seq: 1,
    t: 1,
    command,
    channel,
    bytes: 40,
    pubId: 1,
    ...(node ? { node } : {}),
  }) as LabEvent;

describe('Redis drawn as a cluster', () => {
  it('is its nodes, each with its slots, bus counters, channels and the servers subscribed there', () => {
    const { model, layout } = stageOf(clusterLab(), { width: 1000, height: 600 });
    expect(model.scene.title).toBe('Redis Cluster');
    expect(model.scene.nodes.map((n) => [n.label, n.subscribers.join(',')])).toEqual([
      ['n1 · master 0-5460', 's1,s3'],
      ['n2 · master 5461-10922', ''],
      ['n3 · master 10923-16383', 's2'],
    ]);
    expect(model.scene.nodes[0].caption).toBe('s1, s3 subscribe here');
    expect(model.scene.nodes[1].caption).toBe('no server subscribes here');
    // Classic: its own command's counters and channels; SPUBLISH's only once it counted some.
    expect(model.scene.nodes[0].details).toEqual([
      'PUBLISH bus: 4 out, 2 in',
      '1 channel: socket.io-request#/#',
    ]);
    expect(layout.redis.bus).toBeDefined();
    expect(layout.lines.find((l) => l.id === 'sub:s2')?.node).toBe('node:n3');
  });

  it('a node that is down holds nothing: no subscribers, no channels, marked down', () => {
    const { model } = stageOf(clusterLab(false, { state: 'down', channels: ['x'] }), {
      width: 1000,
      height: 600,
    });
    const n3 = model.scene.nodes[2];
    expect(n3.label).toBe('n3 · master 10923-16383 ✕ down');
    expect(n3.subscribers).toEqual([]);
    expect(n3.names).toEqual([]);
  });

  it('a classic PUBLISH lands on the node ioredis sent it to and crosses the bus to every other', () => {
    const { layout, state } = stageOf(clusterLab(), { width: 1000, height: 600 });
    const segs = hopSegments(publish('PUBLISH', '127.0.0.1:7002'), layout, state);
    expect(segs[0]).toMatchObject({ kind: 'publish', label: 'PUBLISH · 40 B → n2' });
    expect(segs[0].curve.to).toEqual(layout.nodes['node:n2'].anchor);
    const legs = segs.filter((s) => s.kind === 'bus');
    expect(legs.map((s) => s.edge)).toEqual(['bus:n2>n1', 'bus:n2>n3']);
    expect(legs[0].label).toBe('cluster bus · 2 messages');
    expect(legs.every((s) => s.leg === 1)).toBe(true);
  });

  it('an SPUBLISH lands on the owner of its slot and stays there, or reaches only its replicas', () => {
    const channel = 'socket.io#/#';
    const owner = keySlot(channel) <= 5460 ? 'n1' : keySlot(channel) <= 10922 ? 'n2' : 'n3';
    const plain = stageOf(clusterLab(), { width: 1000, height: 600 });
    const segs = hopSegments(publish('SPUBLISH'), plain.layout, plain.state);
    expect(segs[0].curve.to).toEqual(plain.layout.nodes[`node:${owner}`].anchor);
    expect(segs.filter((s) => s.kind === 'bus').map((s) => s.label)).toEqual([
      `stays on ${owner}: no bus message`,
    ]);
    // n4 is n1's replica: an SPUBLISH of n1's crosses to it, and to it alone.
    const withReplica = stageOf(clusterLab(true), { width: 1000, height: 700 });
    // socket.io#/#c# is slot 165, n1's.
    const ofN1 = 'socket.io#/#c#';
    expect(keySlot(ofN1)).toBeLessThanOrEqual(5460);
    const legs = hopSegments(
      publish('SPUBLISH', undefined, ofN1),
      withReplica.layout,
      withReplica.state,
    ).filter((s) => s.kind === 'bus');
    expect(legs.map((s) => s.edge)).toEqual(['bus:n1>n4']);
  });

  it("a server's copy leaves from the node its subscriber connection is on", () => {
    const { layout, state } = stageOf(clusterLab(), { width: 1000, height: 600 });
    const receive = {
      kind: 'receive',
      server: 's2',
      flow: 'f1',
      step: 9,
      seq: 2,
      t: 2,
      channel: 'socket.io#/#',
      pattern: 'socket.io#/#*',
      via: 'pmessage',
      bytes: 40,
      decision: 'delivered',
    } as LabEvent;
    const [seg] = hopSegments(receive, layout, state);
    expect(seg.curve.from).toEqual(layout.nodes['node:n3'].anchor);
  });
});
