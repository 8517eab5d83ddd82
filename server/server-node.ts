/**
 * One Socket.IO server of the lab: its HTTP listener, its pub/sub pair to Redis and its adapter.
 * It can be started, stopped gracefully, crashed, and started again; every start builds
 * everything afresh, so nothing leaks from one life to the next.
 */
import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import type { AdapterKind, SubscriptionMode } from '../trace/events.ts';
import { attachChatEvents } from './chat-events.ts';
import { FloodLimits } from './rate-limit.ts';
import { attachLabNamespaces } from './lab-namespaces.ts';
import { dropAll, guardFireAndForget, quitAll, whenReady } from './redis-clients.ts';
import { SERVER_MODES } from './adapters/registry.ts';
import { rolesOf, type RedisConnections } from './adapters/server-mode.ts';
import { settlesWithin } from './deadline.ts';
import { createClusterPair } from './redis-cluster/cluster-clients.ts';
import type { ServerTap } from './monitor/server-tap.ts';
import type { LinkState, RedisLink } from './redis-link.ts';
import { droppedLogger } from './adapters/guard.ts';

export type ServerState = 'up' | 'down' | 'crashed';

export interface ServerNodeOptions {
  id: string;
  port: number;
  host: string;
  /** Every start logs in with what this says then (the lab changes it to lock Redis down). */
  redisUrl: string;
  /** With --redis-cluster: the pub/sub pair are ioredis Clusters on these nodes, not `redisUrl`. */
  clusterUrls?: string[];
  /** The lab this server belongs to: its Redis connections are named `s1:pub@<lab>`. */
  lab?: string;
  /** The adapter's channel prefix (createAdapter's `key`); default `socket.io`. */
  key?: string;
  /** The network between the adapter's connections and Redis, which the lab can cut. */
  link?: RedisLink;
  adapter: AdapterKind;
  subscriptionMode?: SubscriptionMode;
  /** The Redis protocol of the pub/sub pair (ioredis 6 defaults to 3). */
  resp?: 2 | 3;
  /** Events a second each client may send (bursts of twice that). */
  clientRate?: number;
  /** Events a second all clients from one address may send together (rate-limit.ts). */
  addressRate?: number;
  /** Makes the monitor tap for one life of the server; absent when the monitor is off. */
  makeTap?: (id: string) => ServerTap;
  /** Called on every state change, and when the number of clients changes. */
  onChange?: () => void;
  /**
   * Called at each start with the new Socket.IO server, before it listens: where a part of the
   * lab adds rules of its own (server/classroom/server-guard.ts), after the chat events.
   */
  onLife?: (io: Server) => void;
  onLog?: (line: string) => void;
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    flag = '--base-port',
  ) {
    super(`Port ${port} is in use: stop whatever uses it, or pick another port with ${flag}.`);
  }
}

/** Everything one life of a server holds, from its start to its stop or crash. */
interface Life {
  io: Server;
  httpServer: http.Server;
  sockets: Set<NetSocket>;
  redis: RedisConnections | null;
  tap: ServerTap | null;
}

/** Every connection of a life's adapter. */
function clientsOf(redis: RedisConnections) {
  return rolesOf(redis).map(([client]) => client);
}

/**
 * How long a stop waits for Socket.IO to close (the sharded adapter's close waits for its
 * SUNSUBSCRIBEs) before dropping what is left: with QUIT_TIMEOUT_MS after it, a stop is done
 * well within the 2 s that issue 19 allows, whatever Redis does.
 */
const CLOSE_TIMEOUT_MS = 1000;

/** A sub-command the API waits for; Redis answers one in a millisecond when it can. */
const SUB_COMMAND_TIMEOUT_MS = 2000;

function listen(httpServer: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err),
    );
    httpServer.listen(port, host, () => resolve());
  });
}

/**
 * Start, stop and crash are not serialized here: the lab runs them through its LifecycleQueue
 * (lifecycle-queue.ts), and a standalone server starts once and stops once.
 */
export class ServerNode {
  state: ServerState = 'down';
  private life: Life | null = null;

  constructor(readonly options: ServerNodeOptions) {}

  get id(): string {
    return this.options.id;
  }

  get port(): number {
    return this.options.port;
  }

  get clients(): number {
    return this.life?.io.of('/').sockets.size ?? 0;
  }

  /** Whether the server's pub connection is talking to Redis right now. */
  get redisReady(): boolean {
    return this.life?.redis?.pub.status === 'ready';
  }

  /** Whether all of the adapter's connections talk to Redis; `none` without an adapter. */
  get redisLink(): 'ok' | 'lost' | 'none' {
    const redis = this.life?.redis;
    if (!redis) return 'none';
    return clientsOf(redis).every((c) => c.status === 'ready') ? 'ok' : 'lost';
  }

  /** The network to Redis: open, or cut or frozen by the lab. */
  get linkState(): LinkState {
    return this.options.link?.state ?? 'open';
  }

  /** The local port of the sub connection's socket: how the relay tells it from pub. */
  get subPort(): number | undefined {
    const sub = this.life?.redis?.sub as { stream?: NetSocket } | undefined;
    return sub?.stream?.localPort;
  }

  /** What the trace gives as the reason when the sub connection next closes. */
  explainSubClose(why: string): void {
    this.life?.tap?.explainClose('sub', why);
  }

  get server(): Server | null {
    return this.life?.io ?? null;
  }

  async start(): Promise<void> {
    if (this.state === 'up') return;
    const { id, port, host, adapter, subscriptionMode } = this.options;
    const mode = SERVER_MODES[adapter];
    const httpServer = http.createServer((_req, res) => {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`Fanout Lab server ${id}: Socket.IO lives at /socket.io/\n`);
    });
    const sockets = new Set<NetSocket>();
    httpServer.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // Step 1: the Socket.IO server. Servers hold no secrets and the page may be served from
    // any address the hub listens on, so any origin may connect, as with the original demo.
    // Credentials too: a page client through the balancer polls with withCredentials, so that
    // the browser keeps sticky mode's cookie (docs/balancer.md).
    const io = new Server(httpServer, {
      cors: { origin: true, credentials: true },
      ...mode.serverOptions,
    });
    const tap = this.options.makeTap?.(id) ?? null;
    tap?.attachServer(io, mode.family);
    io.on('connection', (socket) => {
      this.options.onChange?.();
      socket.on('disconnect', () => this.options.onChange?.());
    });
    // One set of flood limits per server life: the sockets of one address share theirs across
    // every namespace of the server.
    const limits = new FloodLimits({
      clientRate: this.options.clientRate,
      addressRate: this.options.addressRate,
    });
    attachChatEvents(io, id, limits);
    attachLabNamespaces(io, id, limits);
    this.options.onLife?.(io);

    // Steps 4 to 7 come before the port opens, as in Socket.IO's own docs: a client that
    // connected earlier would stay with the in-memory adapter that io.adapter() replaces, and
    // never hear another server. With Redis down the adapter is attached all the same; its
    // SUBSCRIBEs wait in the sub connection's offline queue until Redis is back.
    if (mode.connect) await this.options.link?.open();
    const redis = this.attachAdapter(io, tap);
    // Reported as it happens: the adapter is attached (and has asked for its subscriptions)
    // before Redis answers and before the port opens. Reported after listen, it came after
    // the SUBSCRIBE replies whenever listen was slow, and the trace told the order wrong.
    // With adapter none this still matters: the tap watches the in-memory adapter's deliveries.
    tap?.adapterAttached(io, adapter, subscriptionMode);
    if (redis) await Promise.all(clientsOf(redis).map((c) => whenReady(c)));
    try {
      await listen(httpServer, port, host);
    } catch (err) {
      tap?.close();
      if (redis) dropAll(...clientsOf(redis));
      await settlesWithin(io.close(), CLOSE_TIMEOUT_MS);
      throw err;
    }
    // Still the listen callback's tick: no connection has been handled yet.
    tap?.serverUp(port, adapter, subscriptionMode);
    this.life = { io, httpServer, sockets, redis, tap };
    this.state = 'up';
    this.options.onChange?.();
  }

  /**
   * Steps 4 to 7: the mode's connections (a pub client and its duplicate for subscribing; the
   * streams mode adds one for XREAD), and the adapter that joins them (server/adapters/).
   */
  private attachAdapter(io: Server, tap: ServerTap | null): RedisConnections | null {
    const { id, redisUrl, adapter, subscriptionMode, key } = this.options;
    const { clusterUrls, resp = 3, lab, link } = this.options;
    const mode = SERVER_MODES[adapter];
    // Through the lab's relay when there is one: the tap's monitor connection is not, so a cut
    // server is still seen.
    const url = link ? link.urlFor(redisUrl) : redisUrl;
    const conns = !mode.connect
      ? null
      : clusterUrls
        ? createClusterPair(clusterUrls, id, adapter, resp)
        : mode.connect(url, id, resp, lab);
    for (const [client, role] of conns ? rolesOf(conns) : []) {
      guardFireAndForget(client, (command, err) =>
        this.options.onLog?.(`${id}:${role} ${command} failed: ${err.message}`),
      );
      tap?.attachRedis(client, role);
    }
    const log = this.options.onLog ?? ((line: string) => console.error(line));
    const ctx = { key, subscriptionMode, onDropped: droppedLogger(id, log) };
    io.adapter(tap ? mode.tapped(tap, conns, ctx) : mode.create(conns, ctx));
    return conns;
  }

  /**
   * Graceful: clients get a clean close and reconnect later; the adapter unsubscribes; the
   * connections QUIT. Bounded: with Redis down or cut off it is done within about 1.5 s.
   */
  async stop(): Promise<void> {
    const life = this.endLife('down');
    if (!life) return;
    const { io, httpServer, redis, tap } = life;
    tap?.serverDown('stop');
    // An UNSUBSCRIBE or a QUIT cannot reach a Redis that is away: ioredis would keep them in
    // its offline queue until it is back. Those connections go at once, with no goodbye.
    const clients = redis ? clientsOf(redis) : [];
    if (clients.some((c) => c.status !== 'ready')) dropAll(...clients);
    // A Redis that is cut off never answers the sharded adapter's SUNSUBSCRIBEs.
    if (!(await settlesWithin(io.close(), CLOSE_TIMEOUT_MS))) dropAll(...clients);
    // The streams adapter's XREAD holds its connection for seconds; it has nothing to finish
    // (io.close() has saved the sessions, on pub).
    if (redis?.reader) dropAll(redis.reader);
    httpServer.closeAllConnections();
    await quitAll(clients);
    for (const [, role] of redis ? rolesOf(redis) : []) tap?.redisClosed(role);
    tap?.close();
  }

  /**
   * Abrupt, as if the process died: TCP sockets are destroyed with no close frame and no
   * Socket.IO disconnect packet, and the Redis connections are dropped with no QUIT.
   */
  async crash(): Promise<void> {
    const life = this.endLife('crashed');
    if (!life) return;
    const { io, sockets, redis, tap } = life;
    tap?.serverDown('crash');
    for (const socket of sockets) socket.destroy();
    if (redis) dropAll(...clientsOf(redis));
    for (const [, role] of redis ? rolesOf(redis) : []) tap?.redisClosed(role);
    // The engine's sockets close themselves as their TCP sockets die.
    io.engine.removeAllListeners('connection');
    tap?.close(true);
  }

  /**
   * Runs one command on the sub connection, as code sharing one connection for both jobs would:
   * under RESP2 a subscribed connection refuses it, under RESP3 it may run it.
   */
  async trySubCommand(
    args: string[],
  ): Promise<{ connection: string; protocol: 2 | 3; reply?: unknown; error?: string }> {
    const sub = this.life?.redis?.sub;
    const protocol = this.options.resp ?? 3;
    const connection = `${this.id}:sub`;
    if (!sub)
      return {
        connection,
        protocol,
        error: `${this.id} has no sub connection (it is ${this.state}, adapter ${this.options.adapter})`,
      };
    const [command, ...rest] = args;
    const outcome: { reply?: unknown; error?: string } = {};
    if (sub.status !== 'ready') {
      // ioredis would hold the command until Redis is back, and the API call with it.
      outcome.error = `${connection} is not connected to Redis (${sub.status}); is Redis up?`;
    } else {
      const call = sub.call(command, ...rest).then(
        (reply) => (outcome.reply = reply),
        (err: Error) => (outcome.error = err.message),
      );
      if (!(await settlesWithin(call, SUB_COMMAND_TIMEOUT_MS)))
        outcome.error = `Redis did not answer within ${SUB_COMMAND_TIMEOUT_MS / 1000} s.`;
    }
    this.life?.tap?.emit({
      kind: 'redis.command',
      step: 5,
      role: 'sub',
      command: command.toUpperCase(),
      args: rest,
      ...outcome,
    });
    return { connection, protocol, ...outcome };
  }

  /**
   * Ends this life, if the server is up: the state changes and the port stops accepting in the
   * same tick, so GET /api/lab and the port always agree. The rest of the goodbye follows.
   */
  private endLife(state: Exclude<ServerState, 'up'>): Life | null {
    const life = this.life;
    if (!life || this.state !== 'up') return null;
    this.life = null;
    life.httpServer.close();
    this.state = state;
    this.options.onChange?.();
    return life;
  }
}
