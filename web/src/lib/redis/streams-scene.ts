/**
 * The streams adapter (@socket.io/redis-streams-adapter dist/adapter.js) as Redis holds it. A
 * broadcast is an entry XADDed to the stream, drawn as a log: its newest entries, each server's
 * read position (the last entry its XREAD returned), and a mark once MAXLEN ~ has trimmed the
 * oldest. What goes over pub/sub is only requests and answers: each server's sub connection
 * SUBSCRIBEs `socket.io#/#` (requests) and `socket.io#/#<uid>#` (its own answers).
 */
import { trimmed } from '../../../../trace/reduce-stream.ts';
import type { ClusterNodeStats } from '../../../../trace/events.ts';
import { holdsSlot, keySlot } from '../../../../trace/cluster-slots.ts';
import type { StreamState } from '../../../../trace/state.ts';
import {
  listeners,
  type StreamLog,
  type AdapterScene,
  type RedisNodeSpec,
  type SceneInput,
  type SubscriptionIndex,
} from './redis-scene.ts';
import { plural } from '../../../../trace/plural.ts';

function channels(input: SceneInput) {
  const request = `${input.prefix}#${input.nsp}#`;
  return { request, own: (uid: string) => `${request}${uid}#` };
}

/** The log as the stage draws it, from the trace's stream and the servers that are up. */
export function streamLog(stream: StreamState | undefined, input: SceneInput): StreamLog {
  const entries = (stream?.entries ?? []).map((e, i, all) => ({
    id: e.id,
    n: (stream?.appended ?? all.length) - all.length + i + 1,
    server: e.server,
    event: e.event,
  }));
  const readers = input.servers
    .filter((s) => s.state === 'up')
    .map((s) => {
      const id = stream?.readBy[s.id];
      return { server: s.id, at: id ? entries.findIndex((e) => e.id === id) : -1 };
    });
  return {
    entries,
    readers,
    appended: stream?.appended ?? 0,
    maxLen: stream?.maxLen ?? 0,
    trimmed: stream ? trimmed(stream) : false,
  };
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
    const name = input.stream?.name ?? input.prefix;
    const log = streamLog(input.stream, input);
    const readers = log.readers.map((r) => r.server);
    const bound = log.maxLen ? ` · MAXLEN ~ ${log.maxLen}` : '';
    const streamNode: RedisNodeSpec = {
      id: `stream:${name}`,
      kind: 'stream',
      name,
      label: `stream ${name}`,
      role: 'broadcast',
      caption: `XADD target${bound} · ${plural(log.appended, 'entry', 'entries')} · XREAD by ${readers.length}`,
      subscribers: readers,
      assumed: [],
      others: [],
      names: [name],
      target: true,
      plumbing: false,
      log,
    };
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
      streamNode,
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
};

/**
 * On a Redis Cluster the stream is one key, on the master that owns its slot: every XADD goes
 * there and every server's XREAD reads there. The node is the one that said it holds the stream
 * (it answered XLEN; the lab's `cluster.nodes` reports), else the master whose slots hold the
 * key's (before the first report, or while that node is down and its replica takes over).
 */
export function clusterStream(nodes: readonly ClusterNodeStats[], input: SceneInput) {
  const name = input.stream?.name ?? input.prefix;
  const up = nodes.filter((n) => n.state === 'up');
  const said = up.find((n) => n.streams?.some((s) => s.key === name));
  const slot = keySlot(name);
  const node = said ?? up.find((n) => n.role === 'master' && holdsSlot(n.slots, slot));
  const log = streamLog(input.stream, input);
  const length = said?.streams?.find((s) => s.key === name)?.length;
  return {
    node: node?.name,
    name,
    log,
    // Each short enough for a node's line, and each what the node answered (or would): the log
    // under them shows the entries and who reads where.
    details: [
      ...(length === undefined ? [] : [`XLEN ${name}: ${length}`]),
      `KEYSLOT ${name}: ${slot}`,
    ],
  };
}
