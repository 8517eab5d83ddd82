/**
 * The classic adapter (`createAdapter`, @socket.io/redis-adapter lib/index.ts) as Redis holds it:
 * each server's sub connection PSUBSCRIBEs `socket.io#/#*` and SUBSCRIBEs the request channel, the
 * shared response channel and its own response channel. A broadcast is PUBLISHed on
 * `socket.io#/#` (or `socket.io#/#<room>#` for one room), which nobody subscribes to: the pattern
 * matches it, and Redis hands one copy to every connection on the pattern, the sender's included.
 */
import {
  listeners,
  roomsOf,
  ROOM_NODES,
  type AdapterScene,
  type RedisNodeSpec,
  type SceneInput,
  type SubscriptionIndex,
} from './redis-scene.ts';
import { plural } from '../../../../trace/plural.ts';

function channels(input: SceneInput) {
  const broadcast = `${input.prefix}#${input.nsp}#`;
  const response = `${input.prefix}-response#${input.nsp}#`;
  return {
    broadcast,
    pattern: `${broadcast}*`,
    request: `${input.prefix}-request#${input.nsp}#`,
    response,
    own: (uid: string) => `${response}${uid}#`,
  };
}

export const classicScene: AdapterScene = {
  adapter: 'redis',

  expected(server, input) {
    const c = channels(input);
    return [
      ['patterns', c.pattern],
      ['channels', c.request],
      ['channels', c.response],
      ...(server.uid ? [['channels', c.own(server.uid)] as ['channels', string]] : []),
    ];
  },

  nodes(input: SceneInput, subs: SubscriptionIndex): RedisNodeSpec[] {
    const c = channels(input);
    const patternId = `pattern:${c.pattern}`;
    const channel = (
      name: string,
      over: Partial<RedisNodeSpec> & Pick<RedisNodeSpec, 'role' | 'caption'>,
      names = [name],
    ): RedisNodeSpec => ({
      id: `channel:${name}`,
      kind: 'channel',
      name,
      label: name,
      ...subs.of('channels', names),
      names,
      target: false,
      plumbing: false,
      ...over,
    });
    const pattern = subs.of('patterns', [c.pattern]);
    const nodes: RedisNodeSpec[] = [
      channel(c.broadcast, {
        role: 'broadcast',
        caption: 'channel · PUBLISH target',
        target: true,
        matchedBy: patternId,
      }),
      {
        id: patternId,
        kind: 'pattern',
        name: c.pattern,
        label: c.pattern,
        role: 'broadcast',
        caption: `pattern · ${listeners(pattern)}`,
        ...pattern,
        names: [c.pattern],
        target: false,
        plumbing: false,
      },
    ];
    // A room broadcast is PUBLISHed on the room's channel, which the same pattern matches.
    const rooms = roomsOf(input.servers).map((r) => `${c.broadcast}${r}#`);
    for (const name of rooms.slice(0, ROOM_NODES))
      nodes.push(
        channel(name, {
          role: 'room',
          caption: 'room channel',
          target: true,
          matchedBy: patternId,
        }),
      );
    if (rooms.length > ROOM_NODES) {
      const rest = rooms.slice(ROOM_NODES);
      nodes.push(
        channel(
          rest[0],
          {
            label: `+${plural(rest.length, 'room channel')}`,
            role: 'room',
            caption: 'room channels',
            target: true,
            matchedBy: patternId,
          },
          rest,
        ),
      );
    }
    const request = subs.of('channels', [c.request]);
    nodes.push(
      channel(c.request, { role: 'request', caption: `requests · ${listeners(request)}` }),
    );
    // The shared response channel, with each server's own folded into it: one node, one line each.
    const own = [
      ...new Set([
        ...input.servers.flatMap((s) => (s.uid ? [c.own(s.uid)] : [])),
        ...subs.names('channels').filter((n) => n.startsWith(c.response) && n !== c.response),
      ]),
    ];
    const responses = [c.response, ...own];
    nodes.push(
      channel(
        c.response,
        {
          label: own.length ? `${c.response} +${own.length}` : c.response,
          role: 'response',
          caption: own.length ? 'responses · shared, and one per server' : 'responses',
        },
        responses,
      ),
    );
    return nodes;
  },
};
