import { describe, expect, it } from 'vitest';
import { broadcastEvents } from './stage-fixture.ts';
import { FlowClock } from './flow-clock.ts';
import { healedBy } from './healed-lines.ts';

describe('FlowClock', () => {
  it('gives each hop its place in the story, however close together they arrive', () => {
    const clock = new FlowClock();
    const starts = broadcastEvents().map((e) => [e.kind, e.server, clock.startAt(e, 1000, 100)]);
    expect(starts).toEqual([
      ['client.emit', 's1', 1000],
      ['publish', 's1', 1100],
      ['deliver', 's1', 1200],
      ['client.receive', 's1', 1500],
      ['publish.result', 's1', 1300],
      // The copies leave Redis once the PUBLISH has gone through the channel and the match.
      ['receive', 's1', 1300],
      ['receive', 's2', 1300],
      ['deliver', 's2', 1400],
      ['client.receive', 's2', 1500],
      ['receive', 's3', 1300],
      ['deliver', 's3', 1400],
      ['client.receive', 's3', 1500],
    ]);
  });

  it('a message first seen in the middle starts there, and nothing waits past now', () => {
    const clock = new FlowClock();
    const events = broadcastEvents();
    const receive = events.find((e) => e.kind === 'receive')!;
    expect(clock.startAt(receive, 5000, 100)).toBe(5000);
    // Its PUBLISH, arriving late, plays at once rather than in the past.
    expect(clock.startAt(events[1], 5050, 100)).toBe(5050);
  });
});

describe('healedBy', () => {
  it.each([
    [{ kind: 'redis.connect', server: 's1', role: 'sub' }, ['sub:s1']],
    [{ kind: 'redis.connect', server: 's2', role: 'pub' }, ['pub:s2']],
    [{ kind: 'server.up', server: 's3' }, ['pub:s3', 'sub:s3', 'server:s3']],
    [{ kind: 'lab.notice', server: 'hub', topic: 'setup' }, 'all'],
    [{ kind: 'lab.notice', server: 'hub', topic: 'redis.down' }, []],
    [{ kind: 'redis.disconnect', server: 's1', role: 'sub' }, []],
  ])('%o heals %o', (e, want) => {
    expect(healedBy(e as never)).toEqual(want);
  });
});
