/**
 * The sharded adapter (`createShardedAdapter`, dist/sharded-adapter.js) as Redis holds it: shard
 * channels only, SSUBSCRIBEd and SPUBLISHed, no pattern. Every server listens on `socket.io#/#`
 * and on its own response channel `socket.io#/#<uid>#`. In dynamic mode each server also listens
 * on the channel of each public room it has a member in, so those channels come and go with their
 * rooms; dynamic-private adds one per socket's private room.
 */
import {
  roomsOf,
  ROOM_NODES,
  type AdapterScene,
  type RedisNodeSpec,
  type SceneInput,
  type Subscription,
  type SubscriptionIndex,
} from './redis-scene.ts';
import { plural } from '../../../../trace/plural.ts';

/** `SSUBSCRIBEd by 3`: the command the sharded adapter listens with. */
function ssubscribed(who: Pick<RedisNodeSpec, 'subscribers' | 'others'>): string {
  const n = who.subscribers.length + who.others.length;
  return who.others.length
    ? `SSUBSCRIBEd by ${n}, ${who.others.length} not a server`
    : `SSUBSCRIBEd by ${n}`;
}

/** ClusterAdapter's uid: 8 random bytes in hex. */
const UID = /^[0-9a-f]{16}$/;
/** A socket id (a private room): 20 characters. */
const SOCKET_ID = /^[\w-]{20}$/;

export const shardedScene: AdapterScene = {
  adapter: 'sharded',

  expected(server, input) {
    const base = `${input.prefix}#${input.nsp}#`;
    const subs: Subscription[] = [['shardChannels', base]];
    if (server.uid) subs.push(['shardChannels', `${base}${server.uid}#`]);
    if ((input.subscriptionMode ?? 'dynamic') !== 'static')
      for (const room of server.rooms) subs.push(['shardChannels', `${base}${room}#`]);
    return subs;
  },

  nodes(input: SceneInput, subs: SubscriptionIndex): RedisNodeSpec[] {
    const base = `${input.prefix}#${input.nsp}#`;
    const uids = new Set(input.servers.flatMap((s) => (s.uid ? [s.uid] : [])));
    const shard = (
      name: string,
      over: Partial<RedisNodeSpec> & Pick<RedisNodeSpec, 'role'>,
      names = [name],
    ): RedisNodeSpec => {
      const who = subs.of('shardChannels', names);
      return {
        id: `shard:${name}`,
        kind: 'shard',
        name,
        label: name,
        caption: ssubscribed(who),
        ...who,
        names,
        target: false,
        plumbing: false,
        ...over,
      };
    };
    const main = subs.of('shardChannels', [base]);
    const nodes = [
      shard(base, {
        role: 'broadcast',
        caption: `shard channel · SPUBLISH target · ${ssubscribed(main)}`,
        target: true,
      }),
    ];
    const rooms: string[] = [];
    const privates: string[] = [];
    const responses = new Set([...uids].map((u) => `${base}${u}#`));
    const dynamic = (input.subscriptionMode ?? 'dynamic') !== 'static';
    const known = dynamic ? roomsOf(input.servers).map((r) => `${base}${r}#`) : [];
    for (const name of [...new Set([...subs.names('shardChannels'), ...known])].sort()) {
      if (name === base || !name.startsWith(base) || !name.endsWith('#')) continue;
      const middle = name.slice(base.length, -1);
      if (uids.has(middle) || UID.test(middle)) responses.add(name);
      else if (SOCKET_ID.test(middle) && !known.includes(name)) privates.push(name);
      else rooms.push(name);
    }
    for (const name of rooms.slice(0, ROOM_NODES))
      nodes.push(shard(name, { role: 'room', target: true }));
    if (rooms.length > ROOM_NODES) {
      const rest = rooms.slice(ROOM_NODES);
      nodes.push(
        shard(
          rest[0],
          { label: `+${plural(rest.length, 'room channel')}`, role: 'room', target: true },
          rest,
        ),
      );
    }
    if (privates.length)
      nodes.push(
        shard(
          privates[0],
          { label: `+${plural(privates.length, 'private room')}`, role: 'room', target: true },
          privates,
        ),
      );
    const own = [...responses].sort();
    if (own.length)
      nodes.push(
        shard(
          own[0],
          {
            label: `${base}‹uid›# ×${own.length}`,
            role: 'response',
            caption: `responses · one per server · ${ssubscribed(subs.of('shardChannels', own))}`,
          },
          own,
        ),
      );
    return nodes;
  },
};
