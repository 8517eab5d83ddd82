/**
 * One sentence per monitor event, with the real values (server, channel, bytes, receivers,
 * socket ids): what the walkthrough line and the aria-live region say. Text only: callers render
 * it as text, never as HTML, because message contents come from users.
 */
import type { LabEvent, RedisPubsub, ServerLink, Step } from '../../../../trace/events.ts';
import { plural } from '../../../../trace/plural.ts';
import { decisionSentence, publisherSentence } from '../../../../trace/decision-words.ts';
import { keySlot } from '../../../../trace/cluster-slots.ts';
import type { LabState } from '../../../../trace/state.ts';
import { narrateSidecar } from '../../lessons/console/sidecar-narration.ts';
import { narrateHttp, narrateUpgrade } from './http-narration.ts';
import { plainError } from './redis-errors.ts';

/** What the sentence can read beyond the event: the lab as the stage shows it. */
export interface NarrationContext {
  state?: LabState;
}

/** Socket ids are 20 characters; six are enough to tell them apart on a stage. */
export function shortId(id: string | undefined): string {
  if (!id) return '?';
  return id.length > 8 ? `${id.slice(0, 6)}…` : id;
}

/** A short, single-line preview of emitted arguments. */
export function previewArgs(args: readonly unknown[], max = 40): string {
  const text = args
    .map((a) => (typeof a === 'string' ? JSON.stringify(a) : safeJson(a)))
    .join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function who(client: string | undefined, socketId: string | undefined): string {
  return client ? `${client} (socket ${shortId(socketId)})` : `socket ${shortId(socketId)}`;
}

function socketList(ids: readonly string[], count: number): string {
  if (count === 0) return 'no local socket matched';
  const shown = ids.slice(0, 3).map(shortId).join(', ');
  return count > 3 ? `${shown} and ${count - 3} more` : shown;
}

/** Who published a message that no server of this lab sent. */
/** The command behind a publish.result: SPUBLISH on the sharded adapter. */
/** On a cluster, where the publish went: by name when the nodes' report has it. */
function clusterNode(e: Extract<LabEvent, { kind: 'publish' }>, ctx: NarrationContext): string {
  if (!e.node) return '';
  const named = ctx.state?.cluster?.nodes.find((n) => n.address === e.node);
  const node = named ? `${named.name} (${e.node})` : e.node;
  // ioredis sends an XADD where its key lives: the stream is on that one node.
  return e.command === 'XADD'
    ? `, to ${node}, the cluster node that owns the stream key's slot (${keySlot(e.channel)}) and holds the stream`
    : `, to the cluster node at ${node}`;
}

function publishCommand(e: Extract<LabEvent, { kind: 'publish.result' }>, ctx: NarrationContext) {
  const flow = e.flow ? ctx.state?.flows[e.flow] : undefined;
  const p = flow?.publishes.find((x) => x.pubId === e.pubId && x.server === e.server);
  if (p) return p.command;
  return ctx.state?.servers[e.server]?.adapter === 'sharded' ? 'SPUBLISH' : 'PUBLISH';
}

function closed(e: Extract<LabEvent, { kind: 'redis.disconnect' }>, ctx: NarrationContext) {
  const what = `${e.server}'s ${e.role} connection (${e.name})`;
  if (e.error) return `${what} was lost: ${plainError(e.error)}.`;
  const server = ctx.state?.servers[e.server]?.state;
  if (server === 'down')
    return `${what} closed: ${e.server} is stopping, so it said QUIT to Redis.`;
  if (server === 'crashed') return `${what} is gone with ${e.server}: the process died mid-flight.`;
  return `${what} closed.`;
}

/**
 * The walkthrough step a hop belongs to, as the page tells it: a connection closing because its
 * server stops is part of the server stopping (step 1), and the lab's own notices are no step.
 */
export function stepOf(e: LabEvent, state?: LabState): Step | null {
  if (e.kind === 'lab.notice') return null;
  if (
    e.kind === 'redis.disconnect' &&
    !e.error &&
    (state?.servers[e.server]?.state ?? 'up') !== 'up'
  )
    return 1;
  return e.step;
}

const LINK_WORDS: Record<ServerLink['link'], (s: string) => string> = {
  cut: (s) =>
    `${s} was cut off from Redis: its Redis connections were reset and cannot come back. ${s} stays up and keeps its clients; its broadcasts still reach them, but nothing goes to or comes from the other servers.`,
  frozen: (s) =>
    `The network between ${s} and Redis froze: nothing passes and nothing closes, so neither side notices. ${s}'s PUBLISHes wait unanswered and nothing reaches it from the other servers.`,
  slow: (s) =>
    `${s}'s subscriber stopped reading: what Redis sends it now waits in Redis's output buffer for that connection, while ${s}'s PUBLISHes still go out. Redis closes a subscriber whose buffer passes its client-output-buffer-limit for pub/sub.`,
  open: (s) =>
    `${s}'s network to Redis is healed and it hears the other servers again. What was published while it was cut is gone (pub/sub keeps nothing); after a freeze, what waited in the connections arrives late.`,
};

/** What just happened, in one sentence. */
export function narrate(e: LabEvent, ctx: NarrationContext = {}): string {
  switch (e.kind) {
    case 'server.up':
      return `${e.server} is listening on port ${e.port} with the ${e.adapter} adapter.`;
    case 'server.down':
      return e.reason === 'crash'
        ? `${e.server} crashed: its sockets died without a goodbye and its Redis connections dropped.`
        : `${e.server} stopped: its clients were told, and its Redis connections sent QUIT.`;
    case 'http.request':
      return narrateHttp(e);
    case 'transport.upgrade':
      return narrateUpgrade(e);
    case 'server.link':
      if (e.closedBy === 'redis')
        return `Redis cut ${e.server}'s subscriber off: ${plural(e.pending ?? 0, 'byte')} were waiting for it, past the limit (client-output-buffer-limit ${e.limit ?? 'pubsub'}). ${e.server} reads what its kernel still held, then the end; ioredis connects again and subscribes anew. What Redis threw away is lost for ${e.server}'s clients.`;
      if (e.link === 'slow' && e.pending !== undefined)
        return `${plural(e.pending, 'byte')} wait in Redis for ${e.server}'s slow subscriber (limit: ${e.limit ?? 'unknown'}).`;
      return LINK_WORDS[e.link](e.server);
    case 'client.transport':
      return `${who(e.client, e.socketId)} opened a ${e.transport} transport to ${e.server}.`;
    case 'client.connect':
      return `${e.server}'s connection event fired for ${who(e.client, e.socketId)}.`;
    case 'client.disconnect':
      return `${who(e.client, e.socketId)} left ${e.server}: ${e.reason}.`;
    case 'room.join':
      return `Socket ${shortId(e.socketId)} joined room ${e.room} on ${e.server}; only ${e.server} knows it.`;
    case 'room.leave':
      return `Socket ${shortId(e.socketId)} left room ${e.room} on ${e.server}.`;
    case 'redis.connect':
      return `${e.server}'s ${e.role} connection (${e.name}) is ready${e.duplicated ? ', made with duplicate()' : ''}${e.clientId !== undefined ? `, Redis client id ${e.clientId}` : ''}.`;
    case 'redis.disconnect':
      return closed(e, ctx);
    case 'redis.command':
      return `${e.server}'s ${e.role} connection sent ${e.command} ${e.args.join(' ')}${e.error ? `, which failed: ${plainError(e.error)}` : ''}.`;
    case 'adapter.attach':
      // The lab reports one attach as two steps (6: the adapter made on pub and sub, 7: io.adapter()
      // puts it on the namespace): each says its own part, so stepping from one to the next shows it.
      if (e.step === 6)
        return e.adapter === 'none'
          ? `${e.server} keeps Socket.IO's in-memory adapter: nothing it broadcasts goes through Redis.`
          : `${e.server} made the ${e.adapter} adapter${e.uid ? ` (uid ${e.uid})` : ''} on its Redis connections.`;
      return `${e.server} attached the ${e.adapter} adapter to ${e.nsp}${e.uid ? ` with uid ${e.uid}` : ''}: broadcasts now go through ${e.channels.join(', ') || 'Redis'}.`;
    case 'client.emit':
      return `${who(e.client, e.socketId)} sent "${e.event}" (${previewArgs(e.args)}) to ${e.server} as a WebSocket frame of ${plural(e.bytes, 'byte')}.`;
    case 'publish':
      return `${e.server}'s pub connection sent ${e.command} ${e.channel} with ${plural(e.bytes, 'byte')}${e.message?.kind === 'broadcast' ? ': [uid, packet, opts]' : e.message?.name ? `: ${e.message.name}` : ''}${clusterNode(e, ctx)}.`;
    case 'publish.result': {
      const command = publishCommand(e, ctx);
      if (e.entryId !== undefined)
        return `Redis appended ${e.server}'s XADD to stream ${e.channel} as entry ${e.entryId} in ${e.ms} ms; every server's XREAD will read it, and the stream keeps it.`;
      return e.error
        ? `Redis did not take ${e.server}'s ${command} on ${e.channel}: ${plainError(e.error)}. The message is lost; pub/sub keeps nothing.`
        : `Redis answered ${e.server}'s ${command} on ${e.channel}: ${plural(e.receivers ?? 0, 'receiver')} (subscribed connections${ctx.state?.cluster ? ' on that node only: a cluster node counts its own' : ''}) in ${e.ms} ms.`;
    }
    case 'receive':
      if (e.via === 'xread')
        return `${e.server}'s XREAD read entry ${e.entryId ?? '?'} of stream ${e.channel} (${plural(e.bytes, 'byte')}): ${decisionSentence(e)}${publisherSentence(e)}`;
      return `${e.server}'s sub connection got ${e.channel}${e.pattern ? ` through ${e.pattern}` : ''} (${plural(e.bytes, 'byte')}): ${decisionSentence(e)}${publisherSentence(e)}`;
    case 'deliver':
      if (e.origin === 'local' && !e.local && ctx.state?.servers[e.server]?.adapter === 'none')
        return `${e.server} wrote "${e.event}" to ${plural(e.count, 'local socket')}: ${socketList(e.sockets, e.count)}. It has no adapter, so its broadcast cannot reach the other servers' clients.`;
      return e.origin === 'local'
        ? `${e.server} wrote "${e.event}" to ${plural(e.count, 'local socket')} itself${e.local ? ' (io.local: never published)' : ''}: ${socketList(e.sockets, e.count)}.`
        : e.recovered
          ? `${e.server} sent "${e.event}" to ${socketList(e.sockets, e.count)}, which missed it while away: connection state recovery.`
          : `${e.server} wrote "${e.event}" from Redis to ${plural(e.count, 'socket')}: ${socketList(e.sockets, e.count)}.${publisherSentence(e)}`;
    case 'session.recover':
      return e.recovered
        ? `${e.server} restored ${shortId(e.socketId)}'s session from entry ${e.offset}: same id, same rooms, and ${plural(e.missed.length, 'missed broadcast')} sent from the stream.`
        : `${e.server} could not restore a session from entry ${e.offset} (${e.reason ?? 'no reason given'}): the client starts afresh and what it missed is gone.`;
    case 'client.receive':
      return `${who(e.client, e.socketId)} on ${e.server} received "${e.event}" (${previewArgs(e.args)}) over its WebSocket.`;
    case 'monitor.mode':
      return `${e.server}'s monitor switched to ${e.mode} detail: ${e.reason}. Counters stay exact.`;
    case 'counters':
      return `${e.server} counted ${plural(e.publishes, 'publish', 'publishes')} and ${plural(e.deliveries, 'delivery', 'deliveries')} so far.`;
    case 'cluster.nodes':
      return e.busSent.publish === 0 && e.busSent.shard === 0
        ? `The Redis Cluster's ${plural(e.nodes.length, 'node')} report again: bus quiet, no PUBLISH or SPUBLISH crossed it since their last report.`
        : `The Redis Cluster's ${plural(e.nodes.length, 'node')} sent ${plural(e.busSent.publish, 'bus message')} for PUBLISH and ${e.busSent.shard} for SPUBLISH since their last report.`;
    case 'redis.pubsub':
      return narratePubsub(e);
    case 'lab.notice':
      return e.text;
    case 'console':
    case 'plain.app':
      return narrateSidecar(e);
  }
}

/** What Redis said of its subscriptions, counting the connections outside the lab. */
function narratePubsub(e: RedisPubsub): string {
  const channels = Object.keys(e.channels).length + Object.keys(e.shardChannels).length;
  const outside = e.clients.filter((c) => !c.own).length;
  return `Redis counts ${plural(channels, 'subscribed channel')} and ${plural(e.patterns, 'pattern')}, held by ${plural(e.clients.length, 'connection')}${outside ? `, ${outside} of them not the lab's` : ''} (PUBSUB and CLIENT LIST).`;
}
