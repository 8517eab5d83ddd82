import { describe, expect, it } from 'vitest';
import {
  busPerBroadcast,
  busSent,
  busSettled,
  summarizeCluster,
  sumBus,
  type ClusterTurn,
} from './cluster-figures.ts';

const bus = (publishSent = 0, publishReceived = 0, shardSent = 0, shardReceived = 0) => ({
  publishSent,
  publishReceived,
  shardSent,
  shardReceived,
});

describe("the cluster's bus counters", () => {
  it('add up over the nodes, and are settled once every message sent was received', () => {
    // One classic PUBLISH on n1 of three masters: n1 sent 2, n2 and n3 got 1 each.
    const total = sumBus([bus(2), bus(0, 1), bus(0, 1)]);
    expect(total).toEqual(bus(2, 2, 0, 0));
    expect(busSettled(total)).toBe(true);
    expect(busSettled(sumBus([bus(2), bus(0, 1), bus()]))).toBe(false);
    expect(busSettled(sumBus([bus(0, 0, 1), bus()]))).toBe(false);
  });

  it('give the messages sent between two reads, per broadcast', () => {
    const sent = busSent(bus(10, 10, 1, 1), bus(30, 30, 1, 1));
    expect(sent).toEqual({ publish: 20, shard: 0 });
    expect(busPerBroadcast({ broadcasts: 10, busPublish: 20, busShard: 0 })).toBe(2);
    expect(busPerBroadcast({ broadcasts: 0, busPublish: 0, busShard: 0 })).toBeNaN();
  });
});

describe('the cluster bench summary', () => {
  const turn = (
    round: number,
    program: ClusterTurn['program'],
    broadcastsPerSecond: number,
    busPublish: number,
  ): ClusterTurn => ({
    round,
    program,
    broadcastsPerSecond,
    broadcasts: 100,
    busPublish,
    busShard: 0,
    missing: 0,
  });

  it('pairs the programs within each round and takes medians over the rounds', () => {
    const turns = [
      turn(0, 'classic', 1000, 200),
      turn(0, 'sharded', 1100, 0),
      turn(1, 'classic', 2000, 200),
      turn(1, 'sharded', 2200, 0),
      turn(2, 'classic', 500, 201),
      turn(2, 'sharded', 550, 0),
    ];
    const s = summarizeCluster(turns);
    expect(s.rounds).toBe(3);
    // Every round's ratio is 1.1, whatever the weather did to both.
    expect(s.ratio).toEqual({ estimate: 1.1, low: 1.1, high: 1.1 });
    expect(s.programs).toEqual([
      { program: 'classic', broadcastsPerSecond: 1000, busPerBroadcast: 2, missing: 0 },
      { program: 'sharded', broadcastsPerSecond: 1100, busPerBroadcast: 0, missing: 0 },
    ]);
  });

  it('leaves out a round that has only one program', () => {
    const s = summarizeCluster([
      turn(0, 'classic', 1000, 200),
      turn(0, 'sharded', 900, 0),
      turn(1, 'sharded', 5000, 0),
    ]);
    expect(s.rounds).toBe(1);
    expect(s.ratio.estimate).toBe(0.9);
  });
});
