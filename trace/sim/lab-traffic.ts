/**
 * Traffic for a LabScript: the events a lab writes for a client's broadcast (classic or sharded
 * adapter), a serverSideEmit and a fetchSockets request (classic only), derived from the script's
 * own truth about who is up and where.
 */
import type { DecodedMessage, Decision } from '../events.ts';
import { SHARD_CHANNEL, type LabScript, type SimServer } from './lab-script.ts';

/** A connected client's event reaches its server, which opens a flow for what it does about it. */
function clientEvent(
  script: LabScript,
  from: string,
  event: string,
  args: unknown[],
): { origin: SimServer; flow: string } | undefined {
  const c = script.clients[from];
  const origin = c && script.servers[c.server];
  if (!c?.connected || !origin?.up) return undefined;
  const flow = `${origin.id}-${++origin.flows}`;
  const bytes = JSON.stringify([event, ...args]).length;
  script.emit({
    kind: 'client.emit',
    server: origin.id,
    flow,
    socketId: c.socketId,
    client: c.id,
    event,
    args,
    bytes,
  });
  return { origin, flow };
}

/** A server publishes a broadcast: counted among its publishes, with the id its result will carry. */
function publishBroadcast(
  script: LabScript,
  origin: SimServer,
  flow: string,
  command: 'PUBLISH' | 'SPUBLISH',
  channel: string,
  bytes: number,
  message: DecodedMessage,
): number {
  const pubId = ++origin.pubs;
  origin.publishes += 1;
  script.emit({
    kind: 'publish',
    server: origin.id,
    flow,
    command,
    channel,
    bytes,
    message,
    pubId,
  });
  return pubId;
}

/** A client's event that its server answers with `io.emit` (or `io.to(room).emit`). Returns the flow id. */
export function broadcast(
  script: LabScript,
  from: string,
  room?: string,
  event = 'chat message',
  args: unknown[] = ['hi'],
): string | undefined {
  const started = clientEvent(script, from, event, args);
  if (!started) return undefined;
  const { origin, flow } = started;
  const rooms = room === undefined ? [] : [room];
  if (script.adapter === 'sharded')
    return shardedBroadcast(script, origin, flow, rooms, event, args);
  const channel = room === undefined ? 'socket.io#/#' : `socket.io#/#${room}#`;
  const message: DecodedMessage = {
    format: 'msgpack',
    kind: 'broadcast',
    uid: origin.uid,
    event,
    value: [
      origin.uid,
      { type: 2, data: [event, ...args], nsp: '/' },
      { rooms, except: [], flags: {} },
    ],
  };
  const pubId = publishBroadcast(script, origin, flow, 'PUBLISH', channel, 40, message);
  deliver(script, origin, flow, rooms, event, 'local', args);
  const subscribers = publishResult(script, origin, flow, pubId, channel);
  for (const s of subscribers) {
    const members = script.members(s.id, rooms);
    const decision: Decision =
      rooms.length > 0 && members.length === 0
        ? 'unknown-room'
        : s === origin
          ? 'own-message'
          : 'delivered';
    s.receipts[decision] = (s.receipts[decision] ?? 0) + 1;
    const receipt = {
      kind: 'receive',
      server: s.id,
      flow,
      channel,
      pattern: 'socket.io#/#*',
      via: 'pmessage',
      bytes: 40,
      decision,
    } as const;
    script.emit(decision === 'delivered' ? { ...receipt, sockets: members.length } : receipt);
    if (decision === 'delivered') deliver(script, s, flow, rooms, event, 'remote', args);
  }
  return flow;
}

/**
 * What the sharded adapter (@socket.io/redis-adapter, dist/sharded-adapter.js) does with a
 * broadcast: `computeChannel` picks the room's own channel (`socket.io#/#room#`) for one room in
 * dynamic mode (not for a socket id) or dynamic-private, else `socket.io#/#`; `doPublish`
 * SPUBLISHes the message as JSON (`encode`: msgpack only for binary); Redis hands it to the
 * servers that SSUBSCRIBEd that channel, each in an smessage. ClusterAdapter's `onMessage`
 * (socket.io-adapter dist/cluster-adapter.js) drops the sender's own by uid (`own-message`) and
 * broadcasts the rest locally (`delivered`, even to no socket: it has no unknown-room check).
 * As the monitor (server/monitor/tap-sharded.ts, tapped-adapters.ts reportDelivery), a deliver
 * that reached no socket is not reported. trace/sim/sharded-lab.test.ts checks this against a
 * real lab's trace.
 */
function shardedBroadcast(
  script: LabScript,
  origin: SimServer,
  flow: string,
  rooms: string[],
  event: string,
  args: unknown[],
): string {
  const mode = script.subscriptionMode;
  const ownChannel =
    rooms.length === 1 &&
    ((mode === 'dynamic' && rooms[0].length !== 20) || mode === 'dynamic-private');
  const channel = ownChannel ? `${SHARD_CHANNEL}${rooms[0]}#` : SHARD_CHANNEL;
  const value = {
    type: 3,
    data: {
      packet: { type: 2, data: [event, ...args] },
      // The lab tags each broadcast with its flow (server/monitor/flow-context.ts).
      opts: { rooms, except: [], flags: { labFlow: flow } },
    },
    uid: origin.uid,
    nsp: '/',
  };
  const message: DecodedMessage = {
    format: 'json',
    kind: 'broadcast',
    name: 'BROADCAST',
    uid: origin.uid,
    event,
    value,
  };
  const bytes = JSON.stringify(value).length;
  const pubId = publishBroadcast(script, origin, flow, 'SPUBLISH', channel, bytes, message);
  deliver(script, origin, flow, rooms, event, 'local', args);
  const up = publishResult(script, origin, flow, pubId, channel);
  for (const s of up.filter((s) => s.shards.includes(channel))) {
    const decision: Decision = s === origin ? 'own-message' : 'delivered';
    s.receipts[decision] = (s.receipts[decision] ?? 0) + 1;
    const receipt = {
      kind: 'receive',
      server: s.id,
      flow,
      channel,
      via: 'smessage',
      bytes,
      decision,
      message,
    } as const;
    if (decision === 'own-message') script.emit(receipt);
    else {
      script.emit({ ...receipt, sockets: script.members(s.id, rooms).length });
      deliver(script, s, flow, rooms, event, 'remote', args);
    }
  }
  return flow;
}

/** fetchSockets from a server: a request every server answers on the response channel (classic adapter). */
export function fetchSockets(script: LabScript, server: string): string | undefined {
  classicOnly(script, 'fetchSockets');
  const origin = script.servers[server];
  if (!origin?.up || !script.redisUp) return undefined;
  const flow = `${server}-${++origin.flows}`;
  const request: DecodedMessage = {
    format: 'json',
    kind: 'request',
    name: 'REMOTE_FETCH',
    uid: origin.uid,
    value: { uid: origin.uid, requestId: flow, type: 5 },
  };
  const up = Object.values(script.servers).filter((s) => s.up);
  script.emit({
    kind: 'publish',
    server,
    flow,
    command: 'PUBLISH',
    channel: 'socket.io-request#/#',
    bytes: 60,
    message: request,
    pubId: ++origin.pubs,
  });
  script.emit({
    kind: 'publish.result',
    server,
    flow,
    pubId: origin.pubs,
    channel: 'socket.io-request#/#',
    receivers: up.length,
    ms: 1,
  });
  for (const s of up) {
    script.emit({
      kind: 'receive',
      server: s.id,
      flow,
      channel: 'socket.io-request#/#',
      via: 'message',
      bytes: 60,
      decision: s === origin ? 'own-message' : 'delivered',
      message: request,
    });
    if (s === origin) continue;
    const response: DecodedMessage = {
      format: 'json',
      kind: 'response',
      value: { requestId: flow, sockets: [] },
    };
    script.emit({
      kind: 'publish',
      server: s.id,
      flow,
      command: 'PUBLISH',
      channel: 'socket.io-response#/#',
      bytes: 30,
      message: response,
      pubId: ++s.pubs,
    });
    for (const r of up)
      script.emit({
        kind: 'receive',
        server: r.id,
        flow,
        channel: 'socket.io-response#/#',
        via: 'message',
        bytes: 30,
        decision: r === origin ? 'delivered' : 'not-for-me',
        message: response,
      });
  }
  return flow;
}

/**
 * Redis's answer to a PUBLISH: how many subscribed servers got it, or the error while Redis is
 * down. Returns the servers that will receive it.
 */
function publishResult(
  script: LabScript,
  origin: SimServer,
  flow: string,
  pubId: number,
  channel: string,
): SimServer[] {
  const up = Object.values(script.servers).filter((s) => s.up && script.redisUp);
  // SPUBLISH answers with the shard channel's subscribers, PUBLISH with everyone's (a pattern too).
  const receivers =
    script.adapter === 'sharded' ? up.filter((s) => s.shards.includes(channel)).length : up.length;
  script.emit({
    kind: 'publish.result',
    server: origin.id,
    flow,
    pubId,
    channel,
    ms: 1,
    ...(script.redisUp ? { receivers } : { error: 'Connection is closed.' }),
  });
  return up;
}

function deliver(
  script: LabScript,
  s: SimServer,
  flow: string,
  rooms: string[],
  event: string,
  origin: 'local' | 'remote',
  args: unknown[] = ['hi'],
): void {
  const members = script.members(s.id, rooms);
  s.deliveries += members.length;
  // The monitor reports no delivery that reached no socket (reportDelivery); the classic script
  // still does, which its tests expect.
  if (members.length === 0 && script.adapter === 'sharded') return;
  script.emit({
    kind: 'deliver',
    server: s.id,
    flow,
    origin,
    event,
    rooms,
    except: [],
    // Like a real server: at most 50 ids, an exact count.
    sockets: members.slice(0, 50).map((m) => m.socketId),
    count: members.length,
  });
  for (const m of members)
    script.emit(
      {
        kind: 'client.receive',
        server: s.id,
        flow,
        socketId: m.socketId,
        client: m.id,
        event,
        args,
      },
      'hub',
    );
}

/**
 * A client's event its server forwards with serverSideEmit (as the lab's 'server ping'); every
 * other server handles it with `io.local.emit`, so its origin's clients never get it.
 */
export function serverSideEmit(
  script: LabScript,
  from: string,
  event = 'server ping',
): string | undefined {
  classicOnly(script, 'serverSideEmit');
  const started = clientEvent(script, from, event, []);
  if (!started) return undefined;
  const { origin, flow } = started;
  const channel = 'socket.io-request#/#';
  const message: DecodedMessage = {
    format: 'json',
    kind: 'request',
    name: 'SERVER_SIDE_EMIT',
    uid: origin.uid,
    value: { uid: origin.uid, type: 6, data: [event] },
  };
  const pubId = ++origin.pubs;
  script.emit({
    kind: 'publish',
    server: origin.id,
    flow,
    command: 'PUBLISH',
    channel,
    bytes: 50,
    message,
    pubId,
  });
  const up = publishResult(script, origin, flow, pubId, channel);
  for (const s of up) {
    const decision = s === origin ? 'own-message' : 'delivered';
    script.emit({
      kind: 'receive',
      server: s.id,
      flow,
      channel,
      via: 'message',
      bytes: 50,
      decision,
      message,
    });
    if (s !== origin) deliver(script, s, flow, [], event, 'local');
  }
  return flow;
}

/** The request traffic is written for the classic adapter's channels only. */
function classicOnly(script: LabScript, what: string): void {
  if (script.adapter !== 'redis')
    throw new Error(`LabScript: ${what} is simulated for the classic adapter only`);
}
