/**
 * The ten steps of the walkthrough (shared seed walkthrough.txt), told in this project's words,
 * with the lab's real server names and ports, and checked against what the installed code does
 * (node_modules/@socket.io/redis-adapter/dist/index.js and the lab's own trace):
 * - createAdapter() returns a factory; the adapter is built by io.adapter() and its constructor
 *   subscribes, so steps 6 and 7 come before step 5;
 * - a broadcast is published first and then written to the server's own sockets;
 * - every server, the sender too, receives every broadcast of the classic adapter;
 * - with Redis down, the sender's own clients still get the message.
 */
import type { AdapterKind, Step, TenStep } from '../../../trace/events.ts';
import type { LabInfo } from '../../../trace/lab-info.ts';
import { httpSteps, showsHttpSteps } from './http-steps.ts';

export interface WalkthroughStep {
  step: Step;
  title: string;
  text: string;
}

/** What the steps need of the lab: its servers, the adapter they run, and its balancer. */
export type WalkthroughLab = Pick<LabInfo, 'servers' | 'adapter' | 'balancer'>;

/** "s1 on 4001, s2 on 4002 and s3 on 4003"; past four servers, the first three and the last. */
export function serverPorts(servers: readonly { id: string; port: number }[]): string {
  const named = servers.map((s) => `${s.id} on ${s.port}`);
  if (named.length <= 1) return named.join('');
  const shown = named.length > 4 ? [...named.slice(0, 3), '…'] : named.slice(0, -1);
  return `${shown.join(', ')} and ${named[named.length - 1]}`;
}

function serversStart(lab: WalkthroughLab | null): string {
  if (!lab || lab.servers.length === 0)
    return 'Each Socket.IO server listens on a port of its own, and clients connect to one of them.';
  return `Each Socket.IO server listens on a port of its own: ${serverPorts(lab.servers)}.`;
}

const NONE: Partial<Record<TenStep, string>> = {
  4: 'With no adapter, the servers open no connection to Redis at all.',
  5: 'With no adapter, nothing subscribes: Redis never hears of these servers.',
  6: 'No adapter is made: each server keeps Socket.IO’s in-memory adapter, which knows only its own sockets.',
  7: 'Nothing is attached: a broadcast stays with the server that makes it.',
  8: 'A client sends a message and the server calls io.emit. Its in-memory adapter writes it to its own sockets; nothing is published.',
  9: 'There is no Redis in between: the other servers never hear of the message.',
  10: 'Only the clients of the sender’s server get the message. With the Redis adapter, every server’s clients would.',
};

const SHARDED: Partial<Record<TenStep, string>> = {
  5: 'The adapter SSUBSCRIBEs to socket.io#/# and to socket.io#/#<uid># for answers, and in its dynamic modes to a channel per room while the server has members in it. Sharded pub/sub has no patterns. Redis keeps no messages.',
  6: 'createShardedAdapter(pub, sub) returns a factory; io.adapter(factory) makes Socket.IO build an adapter for each namespace, with a random uid, its name on the wire. Its constructor subscribes (step 5).',
  8: 'A client sends a message and the server calls io.emit. The adapter SPUBLISHes the message on socket.io#/# (or on a room’s own channel in its dynamic modes), then writes it to its own sockets. socket.emit to one socket never touches Redis.',
  9: 'Redis sends the message to the connections subscribed to that shard channel: every server for socket.io#/#, only the servers with members for a room’s channel. Each drops its own message by uid; the others write it to their matching sockets.',
};

/** Read in @socket.io/redis-streams-adapter 0.3 dist/adapter.js, and on the running lab. */
const STREAMS: Partial<Record<TenStep, string>> = {
  3: "The server's connection event fires for the new socket. A client that comes back within maxDisconnectionDuration with its session id and last entry id gets the same socket id and rooms back, and the broadcasts it missed (connection state recovery).",
  4: 'Each server opens one connection to Redis; the adapter duplicates it twice: one copy only reads the stream (XREAD BLOCK holds its connection), one only subscribes, for requests and their answers.',
  5: 'The adapter SUBSCRIBEs to socket.io#/# and socket.io#/#<uid>#, for requests and answers only. Broadcasts do not go through pub/sub: each server reads the stream with XREAD, from $ at first, then from the last entry id it saw.',
  6: 'createAdapter(redis) from @socket.io/redis-streams-adapter returns a factory; io.adapter(factory) makes Socket.IO build an adapter for each namespace, with a random uid, its name on the wire.',
  8: 'A client sends a message and the server calls io.emit. The adapter XADDs the message to the stream as an entry (uid, nsp, type, data), waits for Redis to give it an id, then writes it to its own sockets with that id as the offset.',
  9: 'Redis appends the entry and keeps it, trimming the oldest beyond MAXLEN ~. Every server’s XREAD returns it, the sender’s too; each skips its own by uid, the others write it to their matching sockets.',
  10: 'Clients get the message, with its entry id as the last argument. A client whose server stopped (not crashed: a crash saves no session) and who comes back in time is sent what it missed; a server cut off from Redis reads what it missed from its last entry id.',
};

const CLASSIC: Record<TenStep, string> = {
  1: '',
  2: 'A client opens a WebSocket (an engine.io transport) to one server, and stays with that server.',
  3: "The server's connection event fires for the new socket. Rooms it joins live on that server only.",
  4: 'Each server opens a pub connection to Redis and a second one made with duplicate(), on which the adapter only subscribes. Under RESP2 a subscribed connection may run nothing but (un)subscribe commands, PING and QUIT; ioredis 6 speaks RESP3 by default, where it may, but the adapter keeps the two jobs apart anyway.',
  5: 'The adapter’s constructor sends PSUBSCRIBE socket.io#/#* for broadcasts and SUBSCRIBE for the request and response channels, on the sub connection. Redis keeps no messages; it only knows who listens.',
  6: 'createAdapter(pub, sub) from @socket.io/redis-adapter (successor of socket.io-redis) returns a factory; io.adapter(factory) makes Socket.IO build an adapter for each namespace, with a random uid, its name on the wire. Its constructor subscribes (step 5).',
  7: 'io.adapter(...) attaches it, so every broadcast this server makes now goes through the adapter.',
  8: 'A client sends a message and the server calls io.emit. The adapter PUBLISHes [uid, packet, opts] (msgpack) on socket.io#/# (socket.io#/#room# for one room), then writes it to its own sockets at once, without waiting for Redis. socket.emit to one socket never touches Redis.',
  9: 'Redis sends the message to every subscribed connection: every server, the sender included. Each server drops it for an unknown room or for its own uid; otherwise it writes it to its matching sockets.',
  10: 'Clients on every server get the message over their WebSocket. A client whose server was down at that moment misses it for good: pub/sub keeps nothing. While Redis is down, only the clients of the sender’s server get it.',
};

/** What each mode tells differently from the classic adapter: a mode missing here does not compile. */
const SPECIAL: Record<AdapterKind, Partial<Record<TenStep, string>>> = {
  redis: {},
  sharded: SHARDED,
  streams: STREAMS,
  none: NONE,
};

const TITLES: Record<TenStep, string> = {
  1: 'Servers start',
  2: 'A client connects',
  3: 'connection fires',
  4: 'Two Redis connections',
  5: 'Subscribe',
  6: 'The adapter',
  7: 'io.adapter()',
  8: 'Broadcast and PUBLISH',
  9: 'Redis fans out',
  10: 'Clients receive',
};

/**
 * The ten steps for this lab: its servers and ports, and its adapter (the classic one when
 * unknown); with the HTTP steps 1a and 1b after step 1 when it has a balancer or `current` is one.
 */
export function walkthroughSteps(
  lab: WalkthroughLab | null = null,
  current: Step | null = null,
): WalkthroughStep[] {
  const special = lab?.adapter ? SPECIAL[lab.adapter] : {};
  const ten = (Object.keys(TITLES).map(Number) as TenStep[]).map((step) => ({
    step,
    title: TITLES[step],
    text: step === 1 ? serversStart(lab) : (special[step] ?? CLASSIC[step]),
  }));
  if (!showsHttpSteps(lab?.balancer, current)) return ten;
  return [ten[0], ...httpSteps(lab?.balancer), ...ten.slice(1)];
}
