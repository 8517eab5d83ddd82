/**
 * The lab's roster (server/lab-roster.ts) on real Redis and on the broker: a process that has
 * just started and asks who is there must hear every server already in the lab. CI once saw a
 * standalone `s1` start beside the lab's own s1: its roll call went out before Redis had
 * confirmed its own SUBSCRIBE, so it counted one listener too few and waited for nobody.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Roster, rosterChannel } from '../../server/lab-roster.ts';
import { BACKENDS, numsub, redisFor } from '../support/lab-fixture.ts';

function roster(
  rosters: Roster[],
  url: string,
  channel: string,
  name: string,
  servers: string[],
): Roster {
  const r = new Roster({
    url,
    monitorChannel: channel,
    name,
    lab: 'roster-test',
    own: () => servers.map((id, i) => ({ id, port: 4001 + i, state: 'up', clients: 0 })),
  });
  rosters.push(r);
  return r;
}

describe.each(BACKENDS)('the roster (%s)', (backend) => {
  it('is subscribed once ready, and a newcomer’s first roll call hears the lab, every time', async () => {
    const redis = await redisFor(backend);
    const admin = new Redis(redis.url);
    const rosters: Roster[] = [];
    try {
      const channel = `lab:monitor:roster:${backend}:${Date.now()}`;
      const hub = roster(rosters, redis.url, channel, 'hub', ['s1', 's2']);
      await hub.ready();
      // A busy machine, as CI is: twenty newcomers at once, each asking as soon as it is ready.
      const heard = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const newcomer = roster(rosters, redis.url, channel, `n${i}`, []);
          await newcomer.ready();
          return (await newcomer.rollCall(5000)).map((s) => s.id).sort();
        }),
      );
      for (const [i, ids] of heard.entries()) expect(ids, `newcomer ${i}`).toEqual(['s1', 's2']);
      // Each is still subscribed, as a standalone server's roster stays.
      expect(await numsub(admin, rosterChannel(channel))).toBe(21);
    } finally {
      await Promise.all(rosters.map((r) => r.close()));
      admin.disconnect();
      await redis.managed?.stop();
    }
  });
});
