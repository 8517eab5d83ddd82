import { describe, expect, it } from 'vitest';
import { busReach, landingNode, measureBus, NO_REPLY_MS } from './cluster-bus.ts';
import type { ClusterNodeStats, LabEvent } from './events.ts';
import { reduceAll } from './reducer.ts';
import type { LabState } from './state.ts';

type Bus = ClusterNodeStats['bus'];
const bus = (publishSent = 0, publishReceived = 0, shardSent = 0, shardReceived = 0): Bus => ({
  publishSent,
  publishReceived,
  shardSent,
  shardReceived,
});

function node(
  name: string,
  port: number,
  slots: string,
  b: Bus,
  master?: string,
): ClusterNodeStats {
  return {
    name,
    address: `127.0.0.1:${port}`,
    role: master ? 'replica' : 'master',
    ...(master ? { master } : {}),
    slots,
    state: 'up',
    bus: b,
    channels: [],
    shardChannels: [],
    clients: [],
  };
}

let seq = 0;
/** A report read between `from` and `t`, with n1..n3's bus counters. */
function report(from: number, t: number, counters: [Bus, Bus, Bus]): LabEvent {
  return {
    kind: 'cluster.nodes',
    server: 'hub',
    step: 9,
    seq: ++seq,
    t,
    readFrom: from,
    nodes: [
      node('n1', 7001, '0-5460', counters[0]),
      node('n2', 7002, '5461-10922', counters[1]),
      node('n3', 7003, '10923-16383', counters[2]),
    ],
    busSent: { publish: 0, shard: 0 },
  } as LabEvent;
}

/** A PUBLISH by s1 at `t`, answered after `ms`. */
function publish(
  flow: string,
  t: number,
  ms: number,
  command = 'PUBLISH',
  node = '127.0.0.1:7001',
): LabEvent[] {
  const pubId = ++seq;
  const base = { server: 's1', flow, step: 8, channel: 'socket.io#/#' };
  return [
    { ...base, kind: 'publish', seq: ++seq, t, command, bytes: 40, pubId, node },
    { ...base, kind: 'publish.result', step: 9, seq: ++seq, t: t + ms, pubId, receivers: 3, ms },
  ] as LabEvent[];
}

const quiet = bus();
const afterOne: [Bus, Bus, Bus] = [bus(2), bus(0, 1), bus(0, 1)];

function lab(events: LabEvent[]): LabState {
  return reduceAll(events);
}

describe('the bus messages of one broadcast', () => {
  it('are the counters between two reads when it was alone between them', () => {
    const s = lab([
      report(900, 1000, [quiet, quiet, quiet]),
      ...publish('f1', 1500, 5),
      report(2000, 2010, afterOne),
    ]);
    expect(measureBus(s, 'f1')).toEqual({
      status: 'measured',
      sent: 2,
      received: 2,
      nodes: [
        { name: 'n1', sent: 2, received: 0 },
        { name: 'n2', sent: 0, received: 1 },
        { name: 'n3', sent: 0, received: 1 },
      ],
    });
  });

  it('wait for the next read', () => {
    const s = lab([report(900, 1000, [quiet, quiet, quiet]), ...publish('f1', 1500, 5)]);
    expect(measureBus(s, 'f1')).toEqual({ status: 'waiting' });
  });

  it('cannot be told apart from another publish between the same reads', () => {
    const s = lab([
      report(900, 1000, [quiet, quiet, quiet]),
      ...publish('f1', 1500, 5),
      ...publish('f2', 1700, 5),
      report(2000, 2010, [bus(4), bus(0, 2), bus(0, 2)]),
    ]);
    expect(measureBus(s, 'f1')).toMatchObject({
      status: 'unclear',
      reason: '1 other publish between the same two reads',
    });
  });

  it('skip a read that overlapped it, and take the first read after its reply', () => {
    const halfway: [Bus, Bus, Bus] = [bus(2), bus(0, 1), quiet];
    const events = [
      report(900, 1000, [quiet, quiet, quiet]),
      ...publish('f1', 1990, 15),
      report(2000, 2010, halfway),
    ];
    expect(measureBus(lab(events), 'f1')).toEqual({ status: 'waiting' });
    const s = lab([...events, report(2160, 2170, afterOne)]);
    expect(measureBus(s, 'f1')).toMatchObject({ status: 'measured', sent: 2, received: 2 });
  });

  it('cannot be told apart from another publish between the reads around a skipped one', () => {
    const s = lab([
      report(900, 1000, [quiet, quiet, quiet]),
      ...publish('f1', 1990, 15),
      report(2000, 2010, afterOne),
      ...publish('f2', 2050, 5),
      report(2160, 2170, [bus(4), bus(0, 2), bus(0, 2)]),
    ]);
    expect(measureBus(s, 'f1')).toMatchObject({
      status: 'unclear',
      reason: '1 other publish between the same two reads',
    });
  });

  it('wait for a reply until NO_REPLY_MS after the publish, then give up', () => {
    const [sent] = publish('f1', 1500, 5);
    const s = lab([report(900, 1000, [quiet, quiet, quiet]), sent, report(2000, 2010, afterOne)]);
    expect(measureBus(s, 'f1')).toEqual({ status: 'waiting' });
    expect(measureBus(s, 'f1', 1500 + NO_REPLY_MS - 1)).toEqual({ status: 'waiting' });
    expect(measureBus(s, 'f1', 1500 + NO_REPLY_MS)).toEqual({
      status: 'unclear',
      reason: 'Redis did not answer it within 5 s',
    });
    // Without `now`, the latest event's time decides.
    const later = lab([
      report(900, 1000, [quiet, quiet, quiet]),
      sent,
      report(6400, 6500, afterOne),
    ]);
    expect(measureBus(later, 'f1')).toMatchObject({ status: 'unclear' });
  });
});

describe('where a publish lands and where the bus takes it', () => {
  const s = lab([report(0, 1, [quiet, quiet, quiet])]);
  const cluster = s.cluster!;

  it('lands where ioredis sent it, or an SPUBLISH on its slot', () => {
    expect(
      landingNode(cluster, { command: 'PUBLISH', channel: 'x', node: '127.0.0.1:7002' })?.name,
    ).toBe('n2');
    expect(landingNode(cluster, { command: 'PUBLISH', channel: 'x' })).toBeUndefined();
    // somekey is slot 11058 (the cluster spec's example), in n3's range.
    expect(landingNode(cluster, { command: 'SPUBLISH', channel: 'somekey' })?.name).toBe('n3');
  });

  it('a classic PUBLISH reaches every other node, an SPUBLISH only its replicas', () => {
    const n1 = 'n1';
    expect(busReach(cluster.nodes, 'PUBLISH', n1).nodes).toEqual(['n2', 'n3']);
    expect(busReach(cluster.nodes, 'SPUBLISH', n1).nodes).toEqual([]);
    const withReplica = {
      ...cluster,
      nodes: [...cluster.nodes, node('n4', 7004, '', quiet, 'n1')],
    };
    expect(busReach(withReplica.nodes, 'SPUBLISH', n1).nodes).toEqual(['n4']);
    expect(busReach(withReplica.nodes, 'PUBLISH', n1).nodes).toEqual(['n2', 'n3', 'n4']);
  });
});
