import { describe, expect, it } from 'vitest';
import type { PubsubClient, RedisPubsub } from './events.ts';
import { reduce } from './reducer.ts';
import { subscriptionsWithReport, unseenSubscribers } from './redis-report.ts';
import { emptyState, type LabState } from './state.ts';

function pubsub(
  channels: Record<string, number>,
  clients: PubsubClient[],
  shardChannels: Record<string, number> = {},
): RedisPubsub {
  return {
    kind: 'redis.pubsub',
    server: 'hub',
    seq: 1,
    t: 1,
    step: 5,
    channels,
    shardChannels,
    patterns: 1,
    clients,
  };
}

const client = (id: number, name: string, sub: number, more: Partial<PubsubClient> = {}): PubsubClient => ({
  id, name, own: name !== '', sub, psub: 0, ssub: 0, ...more,
}); // prettier-ignore

/** Two servers the trace saw subscribe to the request channel. */
function traced(): LabState {
  const state = emptyState();
  state.redis.channels['req'] = ['s1:sub', 's2:sub'];
  return state;
}

describe("Redis's report beside the trace's tables", () => {
  it('names the one connection that can hold a subscriber the trace does not know', () => {
    const state = traced();
    reduce(state, pubsub({ req: 3, news: 1, mon: 1 }, [
      client(3, 'hub:monitor-sub', 1, { channels: ['mon'] }),
      client(4, 's1:sub', 1),
      client(5, 's2:sub', 1),
      client(9, '', 2, { own: false }),
    ])); // prettier-ignore
    expect(state.redis.state).toBe('up');
    const tables = subscriptionsWithReport(state.redis);
    expect(tables.channels).toEqual({
      req: ['s1:sub', 's2:sub', 'client 9'],
      news: ['client 9'],
      mon: ['hub:monitor-sub'],
    });
    // The trace's own tables are left as the servers reported them.
    expect(state.redis.channels).toEqual({ req: ['s1:sub', 's2:sub'] });
  });

  it('counts without naming when more than one connection could be the one', () => {
    const state = traced();
    reduce(state, pubsub({ req: 4 }, [client(8, '', 1), client(9, 'script', 1, { own: false })]));
    expect(unseenSubscribers(state.redis, 'channels', 'req')).toEqual(['unseen 1', 'unseen 2']);
  });

  it('adds nothing where the trace names as many as Redis counts, and forgets the report when Redis goes down', () => {
    const state = traced();
    reduce(
      state,
      pubsub({ req: 2 }, [client(4, 's1:sub', 1), client(5, 's2:sub', 1)], { 'sh#': 1 }),
    );
    expect(subscriptionsWithReport(state.redis).channels).toEqual({ req: ['s1:sub', 's2:sub'] });
    expect(subscriptionsWithReport(state.redis).shardChannels).toEqual({ 'sh#': ['unseen 1'] });
    reduce(state, {
      kind: 'lab.notice',
      server: 'hub',
      seq: 2,
      t: 2,
      step: 1,
      topic: 'redis.down',
      text: '',
    });
    expect(state.redis.reported).toBeUndefined();
    expect(subscriptionsWithReport(state.redis)).toBe(state.redis);
  });
});
