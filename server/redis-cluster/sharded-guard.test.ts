import { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { guardShardedSubscribers } from './cluster-clients.ts';

const clusters: Cluster[] = [];
afterEach(() => {
  for (const c of clusters.splice(0)) c.disconnect();
});

/** A real ioredis Cluster that never connects: its slot table is empty, as for uncovered slots. */
function idleCluster(): Cluster {
  const c = new Cluster([{ host: '127.0.0.1', port: 1 }], {
    lazyConnect: true,
    shardedSubscribers: true,
  });
  clusters.push(c);
  return c;
}

type Group = { getResponsibleSubscriber(slot: number): unknown };
const groupOf = (c: Cluster) => (c as unknown as { shardedSubscribers: Group }).shardedSubscribers;

describe('guardShardedSubscribers', () => {
  it("ioredis's own lookup throws for a slot nobody owns (the crash the guard prevents)", () => {
    expect(() => groupOf(idleCluster()).getResponsibleSubscriber(5)).toThrow(TypeError);
  });

  it('answers "no subscriber" for a slot nobody owns instead of throwing', () => {
    const c = idleCluster();
    guardShardedSubscribers(c);
    expect(groupOf(c).getResponsibleSubscriber(5)).toBeUndefined();
  });
});
