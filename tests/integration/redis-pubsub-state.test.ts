/**
 * The standing state carries Redis's subscriptions as Redis reports them (issue 20): PUBSUB and
 * CLIENT LIST, read by the hub, so a subscriber from outside the lab, which no server reports,
 * is on the page's stage too. On redis-server and on the embedded broker.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { LabState } from '../../trace/state.ts';
import { subscriptionsWithReport } from '../../trace/redis-report.ts';
import { BACKENDS, closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const outsiders: Redis[] = [];
afterEach(() => {
  for (const c of outsiders.splice(0)) c.disconnect();
});
afterAll(closeAllLabs);

async function standing(lab: TestLab): Promise<LabState> {
  return (await lab.send(apiCalls.state())).body.state;
}

/** What Redis says right now, read the way a person would with redis-cli. */
async function redisSays(admin: Redis) {
  const names = (await admin.call('PUBSUB', 'CHANNELS')) as string[];
  const flat = names.length
    ? ((await admin.call('PUBSUB', 'NUMSUB', ...names)) as (string | number)[])
    : [];
  const channels: Record<string, number> = {};
  for (let i = 0; i < flat.length; i += 2) channels[String(flat[i])] = Number(flat[i + 1]);
  const shardNames = (await admin.call('PUBSUB', 'SHARDCHANNELS')) as string[];
  return {
    channels,
    shards: shardNames.length,
    patterns: Number(await admin.call('PUBSUB', 'NUMPAT')),
  };
}

describe.each(BACKENDS)("the standing state holds Redis's own subscriptions (%s)", (backend) => {
  it('matches PUBSUB, with an outside subscriber named by its CLIENT ID', async () => {
    // A Redis of its own: labs of other test files subscribe on the suite's Redis meanwhile.
    const lab = await makeLab(backend, { servers: 2, redisKind: 'owned' });
    const request = 'socket.io-request#/#';
    // A raw subscriber no server of the lab knows about: on the adapter's request channel, and
    // on a channel of its own.
    const outsider = new Redis(lab.lab.shared.url);
    outsiders.push(outsider);
    await outsider.subscribe(request, 'outside:news');
    const outsiderId = Number(
      /(?:^| )id=(\d+)/.exec(
        String(await lab.admin.call('CLIENT', 'LIST'))
          .split('\n')
          .find((l) => / sub=2 /.test(l) && !/(?:^| )name=\S/.test(l)) ?? '',
      )?.[1],
    );
    expect(outsiderId).toBeGreaterThan(0);

    let state: LabState | undefined;
    let says: Awaited<ReturnType<typeof redisSays>> | undefined;
    await until(
      async () => {
        state = await standing(lab);
        says = await redisSays(lab.admin);
        return (
          JSON.stringify(state.redis.reported?.channels) === JSON.stringify(sorted(says.channels))
        );
      },
      15_000,
      "the standing state's channels to match PUBSUB NUMSUB",
    );
    const reported = state!.redis.reported!;
    expect(reported.channels['outside:news']).toBe(1);
    expect(reported.channels[request]).toBe(3);
    expect(reported.patterns).toBe(says!.patterns);
    expect(Object.keys(reported.shardChannels)).toHaveLength(says!.shards);
    // CLIENT LIST: the lab's two sub connections, the hub's monitor, and the outsider.
    const outside = reported.clients.find((c) => c.id === outsiderId);
    expect(outside).toMatchObject({ own: false, name: '', sub: 2, psub: 0 });
    expect(
      reported.clients
        .filter((c) => c.own && /^s\d:sub$/.test(c.name))
        .map((c) => c.name)
        .sort(),
    ).toEqual(['s1:sub', 's2:sub']);

    // The page's tables: the servers the trace names, plus the one only Redis knows of.
    const tables = subscriptionsWithReport(state!.redis);
    expect([...tables.channels[request]].sort()).toEqual(
      ['s1:sub', 's2:sub', `client ${outsiderId}`].sort(),
    );
    expect(tables.channels['outside:news']).toEqual([`client ${outsiderId}`]);

    // It leaves: Redis says so, and so does the state.
    await outsider.unsubscribe('outside:news');
    await until(
      async () => (await standing(lab)).redis.reported?.channels['outside:news'] === undefined,
      15_000,
      'the outsider to leave outside:news',
    );
  });
});

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
}
