/**
 * Reducers for servers, their Redis connections, and Redis subscriptions. Each mutates the
 * state it is given (see reducer.ts).
 */
import type {
  AdapterAttach,
  LabNotice,
  RedisCommand,
  RedisConnect,
  RedisDisconnect,
  RedisRole,
  ServerDown,
  ServerLink,
  ServerUp,
} from './events.ts';
import { addTo, disconnectSocket, ensureServer, removeFrom } from './reduce-sockets.ts';
import { onStreamAttach } from './reduce-stream.ts';
import type { LabState, RedisState, ServerState } from './state.ts';

function connectionName(server: ServerState, role: RedisRole): string {
  return server.connections[role]?.name ?? `${server.id}:${role}`;
}

type SubscriptionTable = 'channels' | 'patterns' | 'shardChannels';

const SUBSCRIBE: Record<string, [SubscriptionTable, boolean]> = {
  SUBSCRIBE: ['channels', true],
  UNSUBSCRIBE: ['channels', false],
  PSUBSCRIBE: ['patterns', true],
  PUNSUBSCRIBE: ['patterns', false],
  SSUBSCRIBE: ['shardChannels', true],
  SUNSUBSCRIBE: ['shardChannels', false],
};

function unsubscribeName(
  redis: RedisState,
  table: SubscriptionTable,
  name: string,
  only?: string[],
): void {
  for (const channel of only ?? Object.keys(redis[table])) {
    const names = redis[table][channel];
    if (!names) continue;
    removeFrom(names, name);
    if (names.length === 0) delete redis[table][channel];
  }
}

function dropSubscriptions(redis: RedisState, name: string): void {
  unsubscribeName(redis, 'channels', name);
  unsubscribeName(redis, 'patterns', name);
  unsubscribeName(redis, 'shardChannels', name);
}

export function onServerUp(state: LabState, e: ServerUp): void {
  const server = ensureServer(state, e.server);
  // A new process: nothing of the old one survives, and its counters restart at 0.
  server.port = e.port;
  server.adapter = e.adapter;
  server.subscriptionMode = e.subscriptionMode;
  server.state = 'up';
  server.sockets = [];
  server.rooms = {};
  // Its adapter is new too. Its uid is not forgotten here but at server.down: the lab reports
  // adapter.attach as the adapter is attached, before the port opens and so before server.up.
  const old = state.counters.servers[e.server];
  if (old) {
    const earlier = state.counters.earlier[e.server];
    state.counters.earlier[e.server] = earlier ? addTotals(earlier, old) : copyTotals(old);
    delete state.counters.servers[e.server];
  }
}

function copyTotals<T extends { receipts: object }>(t: T): T {
  return { ...t, receipts: { ...t.receipts } };
}

export function addTotals<
  T extends {
    publishes: number;
    deliveries: number;
    skipped: number;
    receipts: Partial<Record<string, number>>;
  },
>(a: T, b: T): T {
  const receipts: Partial<Record<string, number>> = { ...a.receipts };
  for (const [k, v] of Object.entries(b.receipts)) receipts[k] = (receipts[k] ?? 0) + (v ?? 0);
  return {
    ...a,
    publishes: a.publishes + b.publishes,
    deliveries: a.deliveries + b.deliveries,
    skipped: a.skipped + b.skipped,
    receipts,
  };
}

export function onServerDown(state: LabState, e: ServerDown): void {
  const server = ensureServer(state, e.server);
  server.state = e.reason === 'crash' ? 'crashed' : 'down';
  server.downs += 1;
  // Its adapter went with it; the next life's adapter.attach tells the new uid.
  delete server.uid;
  for (const socketId of [...server.sockets]) disconnectSocket(state, socketId, e.seq);
  server.sockets = [];
  server.rooms = {};
  for (const conn of Object.values(server.connections)) {
    if (!conn) continue;
    conn.state = 'down';
    dropSubscriptions(state.redis, conn.name);
  }
}

/** The network to Redis: the server and its clients stay as they are; its connections say the rest. */
export function onServerLink(state: LabState, e: ServerLink): void {
  const server = ensureServer(state, e.server);
  if (server.link === 'slow' && e.link !== 'slow') server.slowEnd = e.closedBy ?? 'lab';
  else if (e.link === 'slow' && server.link !== 'slow') delete server.slowEnd;
  if (e.link === 'open') {
    delete server.link;
    return;
  }
  if (server.link !== e.link) server.linkCuts = (server.linkCuts ?? 0) + 1;
  server.link = e.link;
}

export function onRedisConnect(state: LabState, e: RedisConnect): void {
  const server = ensureServer(state, e.server);
  const old = server.connections[e.role];
  if (old && old.name !== e.name) dropSubscriptions(state.redis, old.name);
  server.connections[e.role] = {
    name: e.name,
    state: 'up',
    clientId: e.clientId,
    duplicated: e.duplicated,
  };
  // A ready connection proves Redis answers.
  state.redis.state = 'up';
}

export function onRedisDisconnect(state: LabState, e: RedisDisconnect): void {
  const server = ensureServer(state, e.server);
  const conn = server.connections[e.role] ?? { name: e.name, state: 'down' };
  conn.state = 'down';
  conn.error = e.error;
  server.connections[e.role] = conn;
  dropSubscriptions(state.redis, e.name);
}

export function onRedisCommand(state: LabState, e: RedisCommand): void {
  const server = ensureServer(state, e.server);
  const entry = SUBSCRIBE[e.command.toUpperCase()];
  if (!entry || e.error) return;
  const [table, subscribe] = entry;
  const name = connectionName(server, e.role);
  if (!subscribe) {
    // Without arguments an UNSUBSCRIBE drops every channel of its kind on that connection.
    unsubscribeName(state.redis, table, name, e.args.length > 0 ? e.args : undefined);
    return;
  }
  for (const channel of e.args) addTo((state.redis[table][channel] ??= []), name);
}

export function onAdapterAttach(state: LabState, e: AdapterAttach): void {
  const server = ensureServer(state, e.server);
  server.adapter = e.adapter;
  server.subscriptionMode = e.subscriptionMode;
  // The main namespace's uid is the one the lessons talk about.
  if (e.uid && (e.nsp === '/' || !server.uid)) server.uid = e.uid;
  onStreamAttach(state, e);
}

export function onLabNotice(state: LabState, e: LabNotice): void {
  if (e.topic === 'redis.up') state.redis.state = 'up';
  if (e.topic !== 'redis.down') return;
  state.redis.state = 'down';
  state.redis.downs += 1;
  state.redis.channels = {};
  state.redis.patterns = {};
  state.redis.shardChannels = {};
  // What Redis last counted is gone with it.
  delete state.redis.reported;
  for (const server of Object.values(state.servers)) {
    for (const conn of Object.values(server.connections)) if (conn) conn.state = 'down';
  }
}
