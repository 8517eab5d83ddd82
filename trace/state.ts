/**
 * LabState: everything the trace model derives from monitor events (trace/events.ts).
 *
 * The state is plain JSON on purpose (Records and arrays only, no Map, Set or class): the
 * timeline forks it at checkpoints (`forkState`, sharing flows until either side changes one),
 * the hub can send it as a snapshot, and trace files store it. Record keys keep insertion order, but nothing here relies on that: where order matters
 * (flow eviction, socket pruning) an explicit array holds it.
 *
 * The page, the lessons and the tests read the lab only through this shape.
 */
import type {
  AdapterKind,
  BrokenLink,
  ClusterNodeStats,
  Decision,
  Foreign,
  LabEvent,
  RedisPubsub,
  RedisRole,
  SocketKind,
  Step,
  SubscriptionMode,
} from './events.ts';

/** Flows kept in state: the oldest first seen is evicted beyond it, so the state stays small. */
export const FLOW_CAP = 500;
/**
 * A flow also goes once this many events have been reduced since it was first seen. The state's
 * weight then depends on the events of a window, like the timeline's (trace/timeline.ts): under
 * sampled detail, when a flow in a hundred is kept, FLOW_CAP alone would take minutes to fill,
 * and memory would keep growing long after the timeline reached its cap.
 */
export const FLOW_EVENT_SPAN = 10_000;
/** Client receipts kept in detail per flow (like a deliver's 50 socket ids); counts stay exact. */
export const CLIENT_RECEIPT_DETAIL = 50;
/** Disconnected sockets kept for the page to show; older ones are forgotten. */
export const GONE_SOCKET_CAP = 500;

export interface RedisConnection {
  /** CLIENT SETNAME value, e.g. `s1:sub`; `<server>:<role>` until the server reports it. */
  name: string;
  state: 'up' | 'down';
  clientId?: number;
  duplicated?: boolean;
  error?: string;
}

export interface ServerState {
  id: string;
  /** 0 until a `server.up` says (a snapshot can start mid-stream). */
  port: number;
  state: 'up' | 'down' | 'crashed';
  /** 'unknown' until `server.up` or `adapter.attach` says. */
  adapter: AdapterKind | 'unknown';
  subscriptionMode?: SubscriptionMode;
  /** The adapter's uid for `/`, from `adapter.attach`. */
  uid?: string;
  /** Socket ids currently connected to this server. */
  sockets: string[];
  /** Public rooms only (a socket's own id room is left out), each with its member socket ids. */
  rooms: Record<string, string[]>;
  /** Only the roles the server has reported; a server without a monitor has no monitor-* entries. */
  connections: Partial<Record<RedisRole, RedisConnection>>;
  /** How many times it went down: reconciliation compares it with the value at emit time. */
  downs: number;
  /** Its network to Redis is cut, frozen or slow (`server.link`); absent while open. */
  link?: BrokenLink;
  /** How its last slow episode ended: Redis cut the subscriber off, or the lab healed it. */
  slowEnd?: 'redis' | 'lab';
  /** How many times its network to Redis was cut or frozen, as `downs`. */
  linkCuts?: number;
  /** How many times its sub connection dropped (Redis away, closed by Redis, cut), as `downs`. */
  subDowns?: number;
}

export interface RedisState {
  /** 'unknown' until a connection is made or the lab says. */
  state: 'up' | 'down' | 'unknown';
  /** Channel -> names of the connections SUBSCRIBEd to it. */
  channels: Record<string, string[]>;
  /** Pattern -> names of the connections PSUBSCRIBEd to it. */
  patterns: Record<string, string[]>;
  /** Shard channel -> names of the connections SSUBSCRIBEd to it. */
  shardChannels: Record<string, string[]>;
  /** How many times Redis went down (lab.notice 'redis.down'). */
  downs: number;
  /** The streams adapter's streams, by name (trace/reduce-stream.ts). */
  streams?: Record<string, StreamState>;
  /**
   * Redis's own count of its subscriptions (the latest `redis.pubsub`), every subscriber
   * included, where the tables above hold only what the lab's servers reported. Absent until
   * the hub has read it, and after Redis went down.
   */
  reported?: RedisReport;
}

/** What Redis said of its subscriptions (trace/redis-report.ts reads it with the tables). */
export type RedisReport = Pick<
  RedisPubsub,
  'channels' | 'shardChannels' | 'patterns' | 'clients' | 't'
>;

export interface StreamEntry {
  id: string;
  /** The server that XADDed it. */
  server: string;
  flow?: string;
  event?: string;
}

export interface StreamState {
  name: string;
  /** The adapter's MAXLEN ~ bound (0 until an adapter.attach says). */
  maxLen: number;
  /** How many entries the lab saw appended since the page started. */
  appended: number;
  /** The newest entries, oldest first (STREAM_ENTRIES_KEPT at most). */
  entries: StreamEntry[];
  /** Each server's read position: the id of the last entry its XREAD returned. */
  readBy: Record<string, string>;
}

export interface SocketState {
  id: string;
  server: string;
  /** The stable lab or page client id, when the client said who it is. */
  client?: string;
  /** Lab client, page client, phone or outside (`client.connect`); absent in older traces. */
  kind?: SocketKind;
  /** Public rooms only. */
  rooms: string[];
  transport: string;
  connected: boolean;
  /** The run of rooms it left in events right before this one (seq of the last): see reduce-sockets.ts. */
  leaving?: { rooms: string[]; seq: number; marked: boolean };
}

export interface ClientState {
  /** Stable across reconnects (`c1`, `p3`...): the `client` field of client.* events. */
  id: string;
  server: string;
  /** The current (or last) socket. */
  socketId?: string;
  state: 'connected' | 'disconnected';
  /** The current socket's public rooms; kept while disconnected, so a lost room message is not mistaken for 'not-in-room'. */
  rooms: string[];
  /** How many times it disconnected: reconciliation compares it with the value at emit time. */
  disconnects: number;
}

export interface FlowEmit {
  server: string;
  socketId: string;
  client?: string;
  event: string;
  args: unknown[];
  bytes: number;
  t: number;
}

export interface FlowPublish {
  pubId: number;
  server: string;
  command: 'PUBLISH' | 'SPUBLISH' | 'XADD';
  channel: string;
  /** From the decoded message, or else the channel name (trace/channels.ts). */
  traffic: 'broadcast' | 'request' | 'response' | 'other';
  bytes: number;
  t: number;
  /** On a Redis Cluster: the node (host:port) the command was sent to. */
  node?: string;
  /** From the matching publish.result: subscribed connections that got it. */
  receivers?: number;
  error?: string;
  ms?: number;
}

export interface FlowReceipt {
  server: string;
  channel: string;
  via: 'message' | 'pmessage' | 'smessage' | 'xread';
  decision: Decision;
  sockets?: number;
  bytes: number;
  t: number;
  /** For `undecodable` and `malformed`: why, and whether a plain server would have died of it. */
  reason?: string;
  fatal?: boolean;
}

export interface FlowDelivery {
  server: string;
  origin: 'local' | 'remote';
  event: string;
  /** Capped at 50 by the server; `count` is exact. */
  sockets: string[];
  count: number;
  /** `count` by client kind, when the server said (trace/socket-counts.ts reads it). */
  kinds?: Partial<Record<SocketKind, number>>;
  t: number;
  /** Sent to a client whose session was restored (connection state recovery). */
  recovered?: boolean;
}

export interface FlowClientReceipt {
  client: string;
  socketId: string;
  server: string;
  event: string;
  t: number;
}

/** A client as it was when the flow started: what reconciliation judges the outcome against. */
export interface AudienceMember {
  server: string;
  /** The client was connected. */
  connected: boolean;
  /** Its socket's kind, while connected (trace/socket-counts.ts); absent in older rosters. */
  kind?: SocketKind;
  /** Its server was up (an unknown server counts as up: a snapshot may start after its server.up). */
  serverUp: boolean;
  rooms: string[];
  socketId?: string;
  /** `ClientState.disconnects` and `ServerState.downs` at emit time. */
  disconnects: number;
  serverDowns: number;
  /** Its server's network to Redis was cut or frozen, and how many times it had been. */
  serverLink?: BrokenLink;
  serverLinkCuts?: number;
  /**
   * Its server's sub connection was down (Redis away, or reconnecting after it came back):
   * remote broadcasts could not reach it even after the connection is back.
   */
  subDown?: boolean;
  /** Its server's `subDowns` at emit time. */
  serverSubDowns?: number;
}

/**
 * A connected socket as it was when the flow started that is no client's current socket (an
 * outside socket.io-client, say): with the audience's, the sockets a broadcast could reach.
 */
export interface RosterSocket {
  server: string;
  rooms: string[];
  kind: SocketKind;
}

/** The lab as it was when flows started (trace/rosters.ts). */
export interface Roster {
  /** How many flows use it. */
  refs: number;
  /** Clients by id. */
  audience: Record<string, AudienceMember>;
  /** The other connected sockets, by socket id; absent in rosters taken before it was kept. */
  sockets?: Record<string, RosterSocket>;
}

export interface Flow {
  id: string;
  /** broadcast: reaches sockets through deliver; request: request/response channels only; unknown: not yet told. */
  kind: 'broadcast' | 'request' | 'unknown';
  /** The server that started it: by client.emit, else its first publish, own-message receipt or local deliver. */
  origin?: string;
  /**
   * Set when no server of this lab published it (see `Receive.foreign`): then it has no origin
   * here, and no client of this lab sent it.
   */
  foreign?: Foreign;
  /** For `foreign: 'other-lab'`: that lab's id. */
  otherLab?: string;
  /** Which event told the origin: a better one (in that order) replaces it when it arrives later. */
  originFrom?: 'client.emit' | 'publish' | 'receive' | 'deliver';
  /** The socket.io event name. */
  event?: string;
  emit?: FlowEmit;
  publishes: FlowPublish[];
  receipts: FlowReceipt[];
  deliveries: FlowDelivery[];
  /** The first CLIENT_RECEIPT_DETAIL client receipts, for the animation; `receivedBy` has them all. */
  clientReceipts: FlowClientReceipt[];
  /** Client id -> how many times it got the flow: every receipt, kept small (one number each). */
  receivedBy: Record<string, number>;
  /** The broadcast's target, once a deliver, a decoded publish or a room channel says. */
  rooms: string[];
  except: string[];
  targetKnown: boolean;
  /**
   * Servers whose broadcast of it stayed on their own sockets: `io.local`, adapter none, or a
   * local deliver with no broadcast published by that server (serverSideEmit handlers often
   * answer with `io.local.emit`).
   */
  localOnly: string[];
  firstT: number;
  lastT: number;
  /** `LabState.events` when the flow was first seen (absent in states saved before it was kept). */
  firstEvent?: number;
  /** Taken when the flow is first seen: who could have received it, and what was down. */
  atEmit: {
    redis: RedisState['state'];
    redisDowns: number;
    /** The origin's pub connection was down. */
    pubDown: boolean;
    /** The origin's network to Redis was cut, frozen or slow. */
    originLink?: BrokenLink;
    /** The origin's `ServerState.linkCuts` when it was named: a cut reported after the flow started shows in a larger count. */
    originLinkCuts?: number;
    /** Key in `LabState.rosters`: the clients and sockets as they were (see trace/rosters.ts). */
    roster: string;
  };
}

export interface CounterTotals {
  publishes: number;
  receipts: Partial<Record<Decision, number>>;
  deliveries: number;
  skipped: number;
}

export interface CountersState {
  /** The latest `counters` event per server: running totals since that server process started. */
  servers: Record<string, CounterTotals>;
  /** Totals of a server's earlier runs, folded in when it comes back up (its counters restart at 0). */
  earlier: Record<string, CounterTotals>;
  /** Everything the lab did: servers plus earlier runs. */
  lab: CounterTotals;
}

/** What one server answered at the HTTP steps (1a and 1b), since the trace began. */
export interface HttpTotals {
  /** engine.io requests answered: handshakes, polls, sends and upgrades. */
  requests: number;
  /** Of those, answered 400 or 403 (`Session ID unknown`, mostly). */
  refused: number;
  /** Sessions that moved from long-polling to WebSocket. */
  upgrades: number;
}

export interface LabState {
  servers: Record<string, ServerState>;
  redis: RedisState;
  sockets: Record<string, SocketState>;
  /** Disconnected socket ids, oldest first, capped at GONE_SOCKET_CAP. */
  goneSockets: string[];
  clients: Record<string, ClientState>;
  flows: Record<string, Flow>;
  /** Flow ids, oldest first, capped at FLOW_CAP. */
  flowOrder: string[];
  /** Clients as they were when flows started, shared by the flows taken while nothing changed; `refs` counts them. */
  rosters: Record<string, Roster>;
  /** The roster new flows use, or null once clients changed since it was taken. */
  currentRoster: string | null;
  /** Rosters taken so far: names the next one. */
  rosterCount: number;
  counters: CountersState;
  /** Per reporting server: full detail or sampled (monitor.mode). Missing means detail. */
  mode: Record<string, 'detail' | 'sampled'>;
  /** Per server: its HTTP answers (http.request, transport.upgrade). */
  http: Record<string, HttpTotals>;
  step: Step | null;
  lastEvent: LabEvent | null;
  /** Events reduced into this state. */
  events: number;
  /** The Redis Cluster's nodes as they report themselves (cluster.nodes); absent without one. */
  cluster?: ClusterState;
}

/**
 * How many cluster readings are kept: the flows of the last half minute when broadcasts come one
 * at a time (about three reports each); while the bus is busy the hub reports every 150 ms, and
 * then a broadcast is not alone between two reads anyway.
 */
export const CLUSTER_READINGS = 30;

/** One `cluster.nodes` report's bus counters, for measuring a publish between two reads. */
export interface ClusterReading {
  /** When the hub began asking (its `readFrom`, or `t` when the report has none) and when it had every answer. */
  from: number;
  t: number;
  /** Each node's bus counters (running totals since the node started), by name. */
  bus: Record<string, ClusterNodeStats['bus']>;
}

export interface ClusterState {
  /** As the latest report has them. */
  nodes: ClusterNodeStats[];
  /** The latest reports' counters, oldest first, at most CLUSTER_READINGS. */
  readings: ClusterReading[];
}

export function emptyTotals(): CounterTotals {
  return { publishes: 0, receipts: {}, deliveries: 0, skipped: 0 };
}

export function emptyState(): LabState {
  return {
    servers: {},
    redis: { state: 'unknown', channels: {}, patterns: {}, shardChannels: {}, downs: 0 },
    sockets: {},
    goneSockets: [],
    clients: {},
    flows: {},
    flowOrder: [],
    rosters: {},
    currentRoster: null,
    rosterCount: 0,
    counters: { servers: {}, earlier: {}, lab: emptyTotals() },
    mode: {},
    http: {},
    step: null,
    lastEvent: null,
    events: 0,
  };
}

/**
 * Flows and roster records (audience, sockets) shared between states by `forkState`: they are
 * never changed in place again; the reducer copies one (`ownFlow`, `putShared`) before it
 * changes it. A WeakSet rather than a field, so the state stays plain JSON and shared objects
 * are let go with their last state.
 */
const shared = new WeakSet<object>();

/**
 * A copy of `state` that shares its flows (and its rosters' audiences) with the original until
 * either changes one. A checkpoint of a lab of 200 clients then costs about the objects of its
 * servers, sockets and clients instead of every flow's receipts (a deep copy took about 90 ms,
 * a long frame for the page each time the timeline made a checkpoint).
 */
export function forkState(state: LabState): LabState {
  const flows: Record<string, Flow> = {};
  for (const id of Object.keys(state.flows)) {
    const flow = state.flows[id];
    shared.add(flow);
    flows[id] = flow;
  }
  const rosters: LabState['rosters'] = {};
  // A new record per roster (its `refs` changes), sharing its audience and sockets until changed.
  for (const id of Object.keys(state.rosters)) {
    const roster = state.rosters[id];
    shared.add(roster.audience);
    if (roster.sockets) shared.add(roster.sockets);
    rosters[id] = { ...roster };
  }
  const out: Record<string, unknown> = { flows, rosters };
  for (const key of Object.keys(state) as (keyof LabState)[])
    if (key !== 'flows' && key !== 'rosters') out[key] = cloneState(state[key]);
  return out as unknown as LabState;
}

/**
 * `record` with `key` set to `value` (removed when undefined): in place, or in a copy when a
 * forked state or another roster may share it (see `shareRecord`).
 */
export function putShared<T>(
  record: Record<string, T>,
  key: string,
  value: T | undefined,
): Record<string, T> {
  const out = shared.has(record) ? { ...record } : record;
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}

/** Marks a roster's record that two rosters of one state hold: `putShared` copies it first. */
export function shareRecord(record: object): void {
  shared.add(record);
}

/** The flow `id` of `state`, copied first if another state shares it, so it may be changed. */
export function ownFlow(state: LabState, id: string): Flow | undefined {
  const flow = state.flows[id];
  if (!flow || !shared.has(flow)) return flow;
  const copy = cloneState(flow);
  state.flows[id] = copy;
  return copy;
}

/**
 * A deep copy of a plain-JSON value. The state could go through `structuredClone`, but this is
 * about 1.5 times faster on it (no serialisation step), and checkpoints clone large states.
 */
export function cloneState<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneState) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    out[key] = cloneState((value as Record<string, unknown>)[key]);
  return out as T;
}
