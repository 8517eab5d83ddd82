/**
 * The streams adapter (@socket.io/redis-streams-adapter dist/adapter.js) as Redis holds it. A
 * broadcast is an entry XADDed to the stream (drawn as a log by the stage's stream panel); what
 * goes over pub/sub is only requests and answers: each server's sub connection SUBSCRIBEs
 * `socket.io#/#` (requests) and `socket.io#/#<uid>#` (its own answers).
 */
import {
  listeners,
  type AdapterScene,
  type RedisNodeSpec,
  type SceneInput,
  type SubscriptionIndex,
} from './redis-scene.ts';

function channels(input: SceneInput) {
  const request = `${input.prefix}#${input.nsp}#`;
  return { request, own: (uid: string) => `${request}${uid}#` };
}

export const streamsScene: AdapterScene = {
  adapter: 'streams',

  expected(server, input) {
    const c = channels(input);
    return [
      ['channels', c.request],
      ...(server.uid ? [['channels', c.own(server.uid)] as ['channels', string]] : []),
    ];
  },

  nodes(input: SceneInput, subs: SubscriptionIndex): RedisNodeSpec[] {
    const c = channels(input);
    const request = subs.of('channels', [c.request]);
    const own = [
      ...new Set([
        ...input.servers.flatMap((s) => (s.uid ? [c.own(s.uid)] : [])),
        ...subs.names('channels').filter((n) => n.startsWith(c.request) && n !== c.request),
      ]),
    ];
    const node = (
      name: string,
      names: string[],
      over: Pick<RedisNodeSpec, 'role' | 'caption' | 'label' | 'target'>,
    ): RedisNodeSpec => ({
      id: `channel:${name}`,
      kind: 'channel',
      name,
      ...subs.of('channels', names),
      names,
      plumbing: false,
      ...over,
    });
    const nodes = [
      node(c.request, [c.request], {
        label: c.request,
        role: 'request',
        caption: `requests only · ${listeners(request)}`,
        target: true,
      }),
    ];
    if (own.length)
      nodes.push(
        node(own[0], own, {
          label: `${c.request}<uid># ×${own.length}`,
          role: 'response',
          caption: 'answers · one per server',
          target: true,
        }),
      );
    return nodes;
  },
  note: 'Broadcasts are not pub/sub here: each is an entry XADDed to the stream, which every server reads with XREAD.',
};
