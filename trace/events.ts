/**
 * The monitor schema: the one definition of every event the lab reports.
 *
 * Servers publish these on the monitor channel (default `lab:monitor`) as JSON batches,
 * the hub relays them to pages, the trace model reduces them into lab state, and lessons
 * wait on them. docs/trace.md explains each kind with an example.
 *
 * Versioning: `TRACE_VERSION` goes up whenever a field changes meaning or a required field is
 * added. Readers refuse envelopes and trace files with a newer version than they know.
 */

export const TRACE_VERSION = 2;

/** The ten steps of the walkthrough (seed/walkthrough.txt), 1-based. */
export type TenStep = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
/**
 * The two HTTP steps, told between steps 1 and 2 (docs/trace.md "HTTP steps"): `1a`, a client's
 * long-polling requests (the handshake that opens a session, then each poll and each send) and
 * which server each reached; `1b`, the upgrade to WebSocket. They matter most behind a load
 * balancer, where every request may reach another server.
 */
export type HttpStep = '1a' | '1b';
export const HTTP_STEPS: readonly HttpStep[] = ['1a', '1b'];
/** The step an event belongs to. */
export type Step = TenStep | HttpStep;

/** What a server's adapter did with a message that arrived on its sub connection. */
export type Decision =
  /** Handed to local sockets (a broadcast), or handled (a request or response it was waiting for). */
  | 'delivered'
  /** The server published it itself and skips it by uid (classic and sharded adapters). */
  | 'own-message'
  /** Published to a room channel of a room that has no member on this server (classic adapter). */
  | 'unknown-room'
  /** Same channel prefix, but another namespace's packet. */
  | 'other-namespace'
  /** A response to a request that this server did not make. */
  | 'not-for-me'
  /** Lab plumbing (the monitor channel), a channel no adapter listens to, or a request type it does not know. */
  | 'ignored'
  /** The bytes do not decode (not msgpack, not JSON): `reason` says why, `fatal` what a plain server does. */
  | 'undecodable'
  /** It decodes, but not to the shape the adapter reads (`[uid, packet, opts]`, a request object...). */
  | 'malformed';

/** Who published a message that no server of this lab sent (see `Receive.foreign`). */
export type Foreign = 'outside' | 'other-lab';

/**
 * `xread` is the streams adapter's reading connection (XREAD BLOCK in a loop); with it, `sub`
 * carries only requests and their answers.
 */
export type RedisRole = 'pub' | 'sub' | 'xread' | 'monitor-pub' | 'monitor-sub';

export type AdapterKind = 'redis' | 'sharded' | 'streams' | 'none';
/** How the lab's load balancer spreads requests over the servers (docs/balancer.md). */
export type BalancerMode = 'sticky' | 'round-robin' | 'off';
export type SubscriptionMode = 'static' | 'dynamic' | 'dynamic-private';

/** An adapter message decoded for viewers. `value` is JSON-safe: Buffers become `{ $bytes: hex }`. */
export interface DecodedMessage {
  format: 'msgpack' | 'json' | 'text' | 'unknown';
  /** broadcast: `[uid, packet, opts]` (classic) or a ClusterAdapter message (sharded). */
  kind: 'broadcast' | 'request' | 'response' | 'monitor' | 'unknown';
  /** The request or message type name, e.g. `REMOTE_FETCH`, `SERVER_SIDE_EMIT`, `BROADCAST`. */
  name?: string;
  /** The publishing adapter's uid, when the message carries one. */
  uid?: string;
  /** The socket.io event name of a broadcast packet (`data[0]`). */
  event?: string;
  value: unknown;
}

interface Base<K extends string> {
  kind: K;
  /** Monotonic per source (`Envelope.from`): together they identify an event. */
  seq: number;
  /** Wall-clock milliseconds since the epoch, on the reporting machine. */
  t: number;
  /** The server the event happened on (for client.* events: the server the client is connected to). */
  server: string;
  step: Step;
  /** Correlates every event of one broadcast or request/response exchange. See docs/trace.md. */
  flow?: string;
}

/** Step 1: a Socket.IO server is listening. */
export interface ServerUp extends Base<'server.up'> {
  port: number;
  adapter: AdapterKind;
  subscriptionMode?: SubscriptionMode;
}
export interface ServerDown extends Base<'server.down'> {
  reason: 'stop' | 'crash';
}
/**
 * Step 4: the network between a server and Redis (the lab's relay, server/redis-link.ts) was cut
 * (connections reset), frozen (nothing passes, nothing closes), slowed (its sub connection stops
 * reading: a slow subscriber) or healed (`open`). The server stays up with its clients; reported
 * by the hub.
 */
/** A link that is not open. */
export type BrokenLink = 'cut' | 'frozen' | 'slow';
export interface ServerLink extends Base<'server.link'> {
  link: 'cut' | 'frozen' | 'slow' | 'open';
  /** `slow`: Redis's `client-output-buffer-limit` for pub/sub, e.g. `pubsub 1048576 262144 2`. */
  limit?: string;
  /** `slow`: bytes waiting in Redis for the sub connection (CLIENT LIST `omem`), as the lab saw. */
  pending?: number;
  /**
   * `open` after `slow`: `redis` when Redis itself closed the slow subscriber (its output buffer
   * passed the limit); absent when the lab healed it.
   */
  closedBy?: 'redis';
}
/** Step 4: one of the server's Redis connections is ready (or lost). */
export interface RedisConnect extends Base<'redis.connect'> {
  role: RedisRole;
  /** CLIENT SETNAME value, e.g. `s1:sub`. */
  name: string;
  /** Redis's CLIENT ID for the connection, when known. */
  clientId?: number;
  /** True for a connection made with `duplicate()`. */
  duplicated?: boolean;
  /** The RESP version the client speaks (ioredis 6 defaults to 3). */
  protocol?: number;
}
export interface RedisDisconnect extends Base<'redis.disconnect'> {
  role: RedisRole;
  name: string;
  error?: string;
}
/** Step 5 (subscriptions) or 8 (PUBSUB counts): a Redis command other than PUBLISH. */
export interface RedisCommand extends Base<'redis.command'> {
  role: RedisRole;
  command: string;
  args: string[];
  /** The reply, when it matters (e.g. NUMSUB counts). */
  reply?: unknown;
  error?: string;
}
/** Steps 6 and 7: the adapter is created with the pub/sub pair and attached to `io`. */
export interface AdapterAttach extends Base<'adapter.attach'> {
  adapter: AdapterKind;
  subscriptionMode?: SubscriptionMode;
  /** The adapter's uid for the namespace (what it compares to skip its own messages). */
  uid?: string;
  nsp: string;
  channels: string[];
  /** The streams adapter: the stream it appends to and reads, and its MAXLEN ~ bound. */
  stream?: { name: string; maxLen: number };
}
/** Step 2: a transport-level connection (engine.io) is open. */
export interface ClientTransport extends Base<'client.transport'> {
  socketId?: string;
  transport: string;
  /** The lab client id (`c1`, `p3`...) when the client said who it is. */
  client?: string;
}
/**
 * Step 1a (handshake, poll, send) or 1b (upgrade): a server answered one HTTP request of an
 * engine.io client. Reported by the server that received it, so behind a balancer `server` is
 * the server the balancer picked.
 */
export interface HttpRequest extends Base<'http.request'> {
  /**
   * handshake: the request that opens a session (a GET without a session id; over WebSocket, a
   * websocket-only client's one upgrade request); poll: a GET that waits for packets; send: a
   * POST that carries packets; upgrade: the GET that asks to move a polling session, whose id it
   * carries, to WebSocket. Over WebSocket (`transport: websocket`) the step is 1b, else 1a.
   */
  what: 'handshake' | 'poll' | 'send' | 'upgrade';
  method: string;
  /** The transport the request asked for (`transport=` in its query): polling or websocket. */
  transport: string;
  /** The engine.io session id: the one the request carried, or the one its handshake opened. */
  sid?: string;
  /** The HTTP status of the answer: 200, 101 (switching to WebSocket), 400, 403... */
  status: number;
  /** engine.io's reason for a refusal, e.g. `Session ID unknown`. */
  error?: string;
  client?: string;
  /** The mode of the lab's balancer that passed the request on; absent when it came straight. */
  balancer?: Exclude<BalancerMode, 'off'>;
  /** Milliseconds from the request's arrival to its answer (a poll waits for something to send). */
  ms: number;
}
/** Step 1b: a session moved from long-polling to WebSocket (its probe succeeded). */
export interface TransportUpgrade extends Base<'transport.upgrade'> {
  sid: string;
  client?: string;
  from: string;
  to: string;
  balancer?: Exclude<BalancerMode, 'off'>;
}
/** Step 3: the namespace `connection` event fired. */
/** Who a socket belongs to: a lab client, a page's client, a classroom phone, or anyone else. */
export type SocketKind = 'lab' | 'page' | 'phone' | 'outside';
export const SOCKET_KINDS: readonly SocketKind[] = ['lab', 'page', 'phone', 'outside'];

export interface ClientConnect extends Base<'client.connect'> {
  socketId: string;
  client?: string;
  /** From its handshake (server/monitor/socket-kind.ts); absent in traces made before kinds. */
  clientKind?: SocketKind;
  transport: string;
  /** Connection state recovery gave it back its id and rooms (see `session.recover`). */
  recovered?: boolean;
}
export interface ClientDisconnect extends Base<'client.disconnect'> {
  socketId: string;
  client?: string;
  reason: string;
}
export interface RoomChange extends Base<'room.join' | 'room.leave'> {
  socketId: string;
  room: string;
  /**
   * room.leave only: true when Socket.IO leaves the room because the socket is closing (it leaves
   * every room just before `disconnect`), false when the application left it. When absent, the
   * trace model takes a run of leaves right before the disconnect (by seq) as the closing's.
   */
  closing?: boolean;
}
/** Step 8: a client sent an event to its server. */
export interface ClientEmit extends Base<'client.emit'> {
  socketId: string;
  client?: string;
  event: string;
  /** A short, JSON-safe preview of the arguments. Render as text only. */
  args: unknown[];
  bytes: number;
}
/**
 * Step 8: the server's pub connection sent PUBLISH (or SPUBLISH), or, with the streams adapter,
 * XADD: then `channel` is the stream's name and the entry id comes in `publish.result`.
 */
export interface Publish extends Base<'publish'> {
  command: 'PUBLISH' | 'SPUBLISH' | 'XADD';
  channel: string;
  bytes: number;
  message?: DecodedMessage;
  /** The first bytes of the payload in hex, for the inspector. */
  hex?: string;
  /** Lab plumbing (monitor traffic), only reported when a viewer asks for it. */
  plumbing?: boolean;
  /** Links the publish to its `publish.result`. */
  pubId: number;
  /**
   * On a Redis Cluster: the node (host:port, as `ClusterNodeStats.address`) ioredis sent the
   * command to. A classic PUBLISH goes to any master ioredis picks; an SPUBLISH to its slot's.
   */
  node?: string;
}
/** Step 9: Redis answered the PUBLISH: how many subscribed connections got it. */
export interface PublishResult extends Base<'publish.result'> {
  pubId: number;
  channel: string;
  receivers?: number;
  /** XADD: the id Redis gave the new entry (the offset clients recover from). */
  entryId?: string;
  error?: string;
  /** Milliseconds between the call and the reply. */
  ms: number;
}
/** Step 9: a message arrived on the server's sub connection, with the adapter's decision. */
export interface Receive extends Base<'receive'> {
  channel: string;
  /** The pattern that matched, for pmessages (e.g. `socket.io#/#*`). */
  pattern?: string;
  /**
   * How it arrived: message, pmessage or smessage, or `xread`: an entry of the stream that the
   * server's XREAD returned (the streams adapter); then `channel` is the stream.
   */
  via: 'message' | 'pmessage' | 'smessage' | 'xread';
  /** `xread`: the entry's id, the server's read position once it has handled it. */
  entryId?: string;
  bytes: number;
  decision: Decision;
  message?: DecodedMessage;
  hex?: string;
  /** For `delivered` broadcasts: how many local sockets got it. */
  sockets?: number;
  /** For `undecodable` and `malformed`: what is wrong, in the words of the error it raised. */
  reason?: string;
  /**
   * For `undecodable` and `malformed`: true when a plain server with the real adapter dies of it
   * (an exception thrown from its Redis listener, or an unhandled rejection), false when the
   * adapter itself catches it. The lab catches both and keeps serving.
   */
  fatal?: boolean;
  /**
   * Set when no server of this lab published it: `outside` (redis-cli, a script, a forged packet:
   * it carries no lab's tag) or `other-lab` (a lab sharing this Redis; `otherLab` names it).
   */
  foreign?: Foreign;
  otherLab?: string;
}
/** Step 8 (origin server) or 9 (other servers): the adapter wrote a packet to local sockets. */
export interface Deliver extends Base<'deliver'> {
  origin: 'local' | 'remote';
  event: string;
  rooms: string[];
  except: string[];
  /** Socket ids that got the packet (capped at 50 in the event; `count` is exact). */
  sockets: string[];
  count: number;
  /** `count` by the kind of client each socket belongs to: exact, where `sockets` is capped. */
  kinds?: Partial<Record<SocketKind, number>>;
  /** True for an `io.local` broadcast: it is never published, so only this server's sockets were targeted. */
  local?: boolean;
  /** A remote delivery of a message no server of this lab published (as on `Receive`). */
  foreign?: Foreign;
  otherLab?: string;
  /** Sent to a client that came back, from its missed packets (`session.recover`). */
  recovered?: boolean;
}
/**
 * Step 3: a client came back with its session id and the last entry id it got, and the server
 * tried to restore its session (connection state recovery, the streams adapter). Recovered, it
 * keeps its socket id and rooms and is sent every broadcast entry it missed; `missed` lists them.
 */
export interface SessionRecover extends Base<'session.recover'> {
  socketId: string;
  /** The last entry id the client had. */
  offset: string;
  recovered: boolean;
  /** Why not, in the adapter's words ("session or offset not found"). */
  reason?: string;
  missed: { entryId: string; event: string; flow?: string }[];
}
/** Step 10: a client got an event. Lab clients report it; page clients report it through the hub. */
export interface ClientReceive extends Base<'client.receive'> {
  socketId: string;
  client: string;
  event: string;
  args: unknown[];
}
/** The monitor switched between full detail and sampled detail. Counters stay exact. */
export interface MonitorMode extends Base<'monitor.mode'> {
  mode: 'detail' | 'sampled';
  /** Sampled, the detail of one flow in this many is kept (10, 100, 1000); 1 in full detail. */
  oneIn?: number;
  reason: string;
}
/** Exact running totals for one server, sent at least once a second while anything changes. */
export interface Counters extends Base<'counters'> {
  publishes: number;
  receipts: Partial<Record<Decision, number>>;
  deliveries: number;
  /** Events left out of the detail stream since the server started. */
  skipped: number;
}
/** One node of the Redis Cluster, as it reports itself (with --redis-cluster). */
export interface ClusterNodeStats {
  /** n1, n2...: masters first, as GET /api/lab lists them. */
  name: string;
  /** host:port, as a publish's `node` names it (absent in traces from before it was kept). */
  address?: string;
  role: 'master' | 'replica';
  /** For a replica: the name of its master. */
  master?: string;
  /** The slots it owns, e.g. "0-5460"; empty for a replica. */
  slots: string;
  state: 'up' | 'down';
  /**
   * CLUSTER INFO's cluster_stats_messages_publish_sent / _received and
   * ..._publishshard_sent / _received: messages this node sent and got over the cluster bus to
   * carry PUBLISH and SPUBLISH, since it started. A down node keeps its last counts.
   */
  bus: { publishSent: number; publishReceived: number; shardSent: number; shardReceived: number };
  /** PUBSUB CHANNELS: the classic channels subscribed on this node (PSUBSCRIBE patterns are not listed). */
  channels: string[];
  /** PUBSUB SHARDCHANNELS, each with its CLUSTER KEYSLOT. */
  shardChannels: { channel: string; slot: number }[];
  /** The names of the connections on the node (CLIENT LIST), e.g. "s1:sub". */
  clients: string[];
}

/**
 * What the nodes of the Redis Cluster say of themselves, sent by the hub whenever any of it
 * changed (it asks every second, every 150 ms while the bus counters move), and once at the first
 * still read after they moved. `busSent` is the bus messages for PUBLISH and SPUBLISH sent
 * since the previous report, summed over the nodes: a classic PUBLISH on N nodes makes N-1.
 */
export interface ClusterNodesReport extends Base<'cluster.nodes'> {
  nodes: ClusterNodeStats[];
  busSent: { publish: number; shard: number };
  /**
   * When the hub began asking the nodes for these figures (`t` is when it had them all): a
   * publish wholly between two reports' reads is counted in the second, and only there.
   */
  readFrom?: number;
}

/** One connection with a subscription, as Redis's CLIENT LIST shows it. */
export interface PubsubClient {
  /** CLIENT ID. */
  id: number;
  /** Its name without this lab's `@<lab id>` (`s1:sub`), another lab's in full, or '' when unnamed. */
  name: string;
  /** The connection is one of this lab's (named `<name>@<lab id>`). */
  own: boolean;
  /** How many channels, patterns and shard channels it is subscribed to. */
  sub: number;
  psub: number;
  ssub: number;
  /**
   * For the lab's own plumbing (the hub's monitor and roster subscribers): the channels the lab
   * subscribed it to, which Redis does not say.
   */
  channels?: string[];
}

/**
 * Redis's own account of its subscriptions, read by the hub (PUBSUB CHANNELS and NUMSUB,
 * SHARDCHANNELS and SHARDNUMSUB, NUMPAT, CLIENT LIST) and sent whenever it changed. It counts
 * every subscriber, the lab's and anyone else's, where the trace knows only what the lab's
 * servers reported: a page opened late starts from it.
 */
export interface RedisPubsub extends Base<'redis.pubsub'> {
  /** Channel -> subscribers (NUMSUB). */
  channels: Record<string, number>;
  /** Shard channel -> subscribers (SHARDNUMSUB); empty on a Redis before 7. */
  shardChannels: Record<string, number>;
  /** Distinct patterns subscribed (NUMPAT): Redis names no patterns. */
  patterns: number;
  /** The connections with at least one subscription. */
  clients: PubsubClient[];
}

/** The lab itself changed (Redis stopped or started, a lesson claimed the lab...). */
export interface LabNotice extends Base<'lab.notice'> {
  topic:
    | 'redis.down'
    | 'redis.up'
    | 'lesson'
    | 'setup'
    | 'info'
    /** Another lab uses this Redis (see `LabInfo.otherLabs`). */
    | 'other-lab'
    /** Someone outside the lab published (`POST /api/redis/publish`), and what Redis said. */
    | 'outsider'
    /** The Redis ACL changed: the lab's servers locked the channels down, or opened them again. */
    | 'acl';
  text: string;
}

/**
 * The Redis console (lesson 0): a command typed on one of its bare connections, or a frame
 * Redis sent back on it, as Redis sent it (a SUBSCRIBE of three channels gets three replies).
 */
export interface ConsoleLine extends Base<'console'> {
  /** The console connection: A, B or C. */
  connection: string;
  /**
   * command: typed on the connection; reply: Redis's answer to it; message: a message Redis
   * pushed because the connection is subscribed; closed: the connection is gone.
   */
  dir: 'command' | 'reply' | 'message' | 'closed';
  /** The command (upper-cased), or for a reply the command it answers. */
  command?: string;
  args?: string[];
  /**
   * The frame as JSON: strings, numbers, null and lists (a RESP3 map is a list of pairs). A
   * message is the list Redis pushed: `[message, channel, payload]` or `[pmessage, pattern, channel, payload]`.
   */
  value?: unknown;
  /** An error reply, as Redis wrote it (e.g. `ERR Can't execute 'publish'...`). */
  error?: string;
  /** The RESP type on the wire: push, array, int, bulk, simple, error... */
  resp?: string;
  /** On a Redis Cluster: the node the line's socket talks to (n1, n2...), which answered or pushed it. */
  node?: string;
}
/**
 * The plain app: the demo as people write it (createAdapter, io.emit, no guard of the lab's),
 * run by the lab as a child process so that what kills it kills only it.
 */
export interface PlainApp extends Base<'plain.app'> {
  /** started; output: a line it printed; received: its test client got a chat message; exited. */
  what: 'started' | 'output' | 'received' | 'exited';
  pid?: number;
  port?: number;
  /** Whether it has `process.on('unhandledRejection')` and error handlers. */
  guard?: boolean;
  /** Whether its pub connection keeps ioredis's offline queue (the default). */
  offlineQueue?: boolean;
  /** exited: the exit code (1 for an unhandled rejection) or the signal. */
  code?: number | null;
  signal?: string | null;
  /** output: the line; received: the message; exited: the last line it wrote to stderr. */
  text?: string;
}

export type LabEvent =
  | ServerUp
  | ServerDown
  | ServerLink
  | RedisConnect
  | RedisDisconnect
  | RedisCommand
  | AdapterAttach
  | HttpRequest
  | TransportUpgrade
  | ClientTransport
  | ClientConnect
  | ClientDisconnect
  | RoomChange
  | ClientEmit
  | Publish
  | PublishResult
  | Receive
  | Deliver
  | SessionRecover
  | ClientReceive
  | MonitorMode
  | Counters
  | ClusterNodesReport
  | RedisPubsub
  | LabNotice
  | ConsoleLine
  | PlainApp;

export type EventKind = LabEvent['kind'];

/** One message on the monitor channel. */
export interface Envelope {
  v: number;
  /**
   * The lab the source belongs to (`LabInfo.labId`). Labs sharing a Redis and a monitor channel
   * hear each other's batches; each shows only its own. Absent in batches of older labs.
   */
  lab?: string;
  /** The reporting source: a server id (`s1`) or `hub`. */
  from: string;
  events: LabEvent[];
  /** Set when the source is sending sampled detail because viewers or Redis can't keep up. */
  sampled?: boolean;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before its source stamps it: what the step rules read. */
export type StepDraft = DistributiveOmit<LabEvent, 'seq' | 't' | 'step' | 'server'> & {
  step?: Step;
};

type StepRule<K extends EventKind> =
  | Step
  | ((
      draft: DistributiveOmit<Extract<LabEvent, { kind: K }>, 'seq' | 't' | 'step' | 'server'>,
    ) => Step);

/**
 * Every event kind and the walkthrough step it belongs to when its source does not say: the one
 * list of kinds. A new kind is a compile error here until it has a step, and the lists derived
 * from it (EVENT_KINDS: the event log's filter, the docs' table) follow.
 */
const KIND_STEPS: { [K in EventKind]: StepRule<K> } = {
  'server.up': 1,
  'server.down': 1,
  // A request over WebSocket (an upgrade, or a websocket-only client's one request) is 1b.
  'http.request': (d) => (d.transport === 'websocket' ? '1b' : '1a'),
  'transport.upgrade': '1b',
  'server.link': 4,
  'client.transport': 2,
  'client.connect': 3,
  'client.disconnect': 3,
  'room.join': 3,
  'room.leave': 3,
  'redis.connect': 4,
  'redis.disconnect': 4,
  // (UN)SUBSCRIBE and friends are step 5; PUBSUB NUMSUB, asked while a request runs, is step 8.
  'redis.command': (d) => (/SUBSCRIBE$/i.test(d.command) ? 5 : 8),
  // A tap reports 6 (created) and 7 (attached) itself; alone, it is the attach.
  'adapter.attach': 7,
  'client.emit': 8,
  publish: 8,
  'publish.result': 9,
  receive: 9,
  deliver: (d) => (d.origin === 'local' ? 8 : 9),
  'session.recover': 3,
  'client.receive': 10,
  'monitor.mode': 8,
  counters: 8,
  // The bus carries what step 8 published to the nodes that hold step 9's subscribers.
  'cluster.nodes': 8,
  // Who is subscribed where: the subscriptions of step 5, as Redis counts them.
  'redis.pubsub': 5,
  'lab.notice': 1,
  console: 5,
  'plain.app': 8,
};

/** Every event kind, in walkthrough order. */
export const EVENT_KINDS = Object.keys(KIND_STEPS) as EventKind[];

/** The step of an event whose source did not give one. */
export function defaultStep(draft: StepDraft): Step {
  if (draft.step !== undefined) return draft.step;
  const rule = KIND_STEPS[draft.kind] as Step | ((d: StepDraft) => Step);
  return typeof rule === 'function' ? rule(draft) : rule;
}

/** Parses and checks an envelope; throws an Error whose message says what is wrong. */
export function parseEnvelope(input: string | unknown): Envelope {
  const value: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  if (!value || typeof value !== 'object') throw new Error('monitor envelope is not an object');
  const env = value as Partial<Envelope>;
  if (typeof env.v !== 'number') throw new Error('monitor envelope has no version "v"');
  if (env.v > TRACE_VERSION) {
    throw new Error(
      `monitor envelope is version ${env.v}, newer than this lab understands (${TRACE_VERSION}); update Fanout Lab`,
    );
  }
  if (typeof env.from !== 'string') throw new Error('monitor envelope has no "from"');
  if (!Array.isArray(env.events)) throw new Error('monitor envelope has no "events" array');
  return env as Envelope;
}
