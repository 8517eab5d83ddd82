import { describe, expect, it } from 'vitest';
import { chooseFeed, feedKey, feedLabel, type FeedCandidateServer } from './feed-failover.ts';

const servers = (...states: FeedCandidateServer['state'][]): FeedCandidateServer[] =>
  states.map((state, i) => ({ id: `s${i + 1}`, port: 4001 + i, state }));

describe('chooseFeed', () => {
  const cases: [
    string,
    string,
    FeedCandidateServer[],
    string[],
    boolean,
    string | null,
    RegExp?,
  ][] = [
    ['auto takes the hub', 'auto', servers('up', 'up'), [], true, 'hub', /by default/],
    [
      'auto without the hub takes the first up server',
      'auto',
      servers('down', 'up'),
      [],
      false,
      's2',
      /failed over/,
    ],
    ['a chosen server feeds', 's2', servers('up', 'up', 'up'), [], true, 's2', /you chose s2/],
    [
      'a chosen server that is down fails over to the next server',
      's2',
      servers('up', 'down', 'up'),
      [],
      true,
      's3',
      /s2 is down/,
    ],
    [
      'a chosen server that failed wraps around to the first',
      's3',
      servers('up', 'up', 'up'),
      ['s3'],
      true,
      's1',
      /s3 is unreachable/,
    ],
    ['no server up: the hub', 's1', servers('crashed', 'down'), [], true, 'hub', /no server is up/],
    ['nothing reachable', 's1', servers('down'), [], false, null],
    ['the hub failed and was preferred: a server', 'hub', servers('up'), ['hub'], true, 's1'],
  ];
  it.each(cases)('%s', (_n, pref, list, failed, hub, want, reason) => {
    const choice = chooseFeed(pref, list, new Set(failed), hub);
    expect(choice && feedKey(choice.source)).toBe(want);
    if (reason) expect(choice?.reason).toMatch(reason);
  });

  it('labels say where the feed comes from', () => {
    expect(feedLabel({ kind: 'hub' })).toBe('hub /lab');
    expect(feedLabel({ kind: 'server', id: 's2', port: 4002 })).toBe('s2 /monitor (:4002)');
  });
});
