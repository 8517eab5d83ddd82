/**
 * One Socket.IO server of the lab: its HTTP listener, its pub/sub pair to Redis and its adapter.
 * It can be started, stopped gracefully, crashed, and started again; every start builds
 * everything afresh, so nothing leaks from one life to the next.
 */
import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { AdapterKind, SubscriptionMode } from '../trace/events.ts';
import { attachChatEvents, DEFAULT_CLIENT_RATE } from './chat-events.ts';
import { attachLabNamespaces } from './lab-namespaces.ts';
import {
  createRedisPair,
  dropAll,
  guardFireAndForget,
  quitAll,
  whenReady,
} from './redis-clients.ts';
import type { ServerTap } from './monitor/server-tap.ts';

export type ServerState = 'up' | 'down' | 'crashed';

export interface ServerNodeOptions {
  id: string;
  port: number;
  host: string;
  redisUrl: string;
  adapter: AdapterKind;
  subscriptionMode?: SubscriptionMode;
  /** The Redis protocol of the pub/sub pair (ioredis 6 defaults to 3). */
  resp?: 2 | 3;
  /** Events a second each client may send (bursts of twice that). */
  clientRate?: number;
  /** Makes the monitor tap for one life of the server; absent when the monitor is off. */
  makeTap?: (id: string) => ServerTap;
  /** Called on every state change, and when the number of clients changes. */
  onChange?: () => void;
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- socket.io types the factory loosely too
export type AdapterFactory = (nsp: any) => any;

export function adapterFactory(
  kind: AdapterKind,
  pub: Redis,
  sub: Redis,
  mode?: SubscriptionMode,
): AdapterFactory | null {
  if (kind === 'redis') return createAdapter(pub, sub);
  if (kind === 'sharded')
    return createShardedAdapter(pub, sub, { subscriptionMode: mode ?? 'dynamic' });
  return null;
}

export class ServerNode {
  state: ServerState = 'down';
  private io: Server | null = null;
  private httpServer: http.Server | null = null;
  private redis: { pub: Redis; sub: Redis } | null = null;
  private tap: ServerTap | null = null;
  private readonly sockets = new Set<NetSocket>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: ServerNodeOptions) {}

  get id(): string {
    return this.options.id;
  }

  get port(): number {
    return this.options.port;
  }

  get clients(): number {
    return this.io?.of('/').sockets.size ?? 0;
  }

  /** Whether the server's pub connection is talking to Redis right now. */
  get redisReady(): boolean {
    return this.redis?.pub.status === 'ready';
  }

  get server(): Server | null {
    return this.io;
  }

  /** Operations run one at a time, so a quick stop/start/crash sequence can't interleave. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.serial(async () => {
      if (this.state === 'up') return;
      await this.boot();
    });
  }

  private async boot(): Promise<void> {
    const { id, port, host, redisUrl, adapter, subscriptionMode } = this.options;
    const httpServer = http.createServer((_req, res) => {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`Fanout Lab server ${id}: Socket.IO lives at /socket.io/\n`);
    });
    httpServer.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // Step 1: the Socket.IO server. Servers hold no secrets and the page may be served from
    // any address the hub listens on, so any origin may connect, as with the original demo.
    const io = new Server(httpServer, { cors: { origin: true } });
    const tap = this.options.makeTap?.(id) ?? null;
    tap?.attachServer(io, port, adapter, subscriptionMode);
    io.on('connection', (socket) => {
      this.options.onChange?.();
      socket.on('disconnect', () => this.options.onChange?.());
    });
    attachChatEvents(io, id, this.options.clientRate);
    attachLabNamespaces(io, id, this.options.clientRate ?? DEFAULT_CLIENT_RATE);

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err),
      );
      httpServer.listen(port, host, () => resolve());
    }).catch(async (err) => {
      tap?.close();
      io.close();
      throw err;
    });
    tap?.serverUp(port, adapter, subscriptionMode);

    // Steps 4 to 7: a pub client, its duplicate for subscribing, and the adapter that joins them.
    if (adapter !== 'none') {
      const { pub, sub } = createRedisPair(redisUrl, id, this.options.resp);
      for (const [client, role] of [
        [pub, 'pub'],
        [sub, 'sub'],
      ] as const) {
        guardFireAndForget(client, (command, err) =>
          this.options.onLog?.(`${id}:${role} ${command} failed: ${err.message}`),
        );
        tap?.attachRedis(client, role);
      }
      await Promise.all([whenReady(pub), whenReady(sub)]);
      const factory = adapterFactory(adapter, pub, sub, subscriptionMode)!;
      io.adapter(tap ? tap.wrapAdapter(adapter, pub, sub, subscriptionMode) : factory);
      this.redis = { pub, sub };
    }
    // With adapter none this still matters: the tap watches the in-memory adapter's deliveries.
    tap?.adapterAttached(io, adapter, subscriptionMode);
    this.io = io;
    this.httpServer = httpServer;
    this.tap = tap;
    this.state = 'up';
    this.options.onChange?.();
  }

  /** Graceful: clients get a clean close and reconnect later; the adapter unsubscribes; connections QUIT. */
  stop(): Promise<void> {
    return this.serial(async () => {
      if (this.state !== 'up') return;
      const { io, redis, tap } = this.takeLife();
      tap?.serverDown('stop');
      await io?.close();
      this.httpServer?.closeAllConnections();
      if (redis) await quitAll(redis.pub, redis.sub);
      tap?.redisClosed('pub');
      tap?.redisClosed('sub');
      tap?.close();
      this.finish('down');
    });
  }

  /**
   * Abrupt, as if the process died: TCP sockets are destroyed with no close frame and no
   * Socket.IO disconnect packet, and the Redis connections are dropped with no QUIT.
   */
  crash(): Promise<void> {
    return this.serial(async () => {
      if (this.state !== 'up') return;
      const { io, redis, tap } = this.takeLife();
      tap?.serverDown('crash');
      for (const socket of this.sockets) socket.destroy();
      if (redis) dropAll(redis.pub, redis.sub);
      tap?.redisClosed('pub');
      tap?.redisClosed('sub');
      // No new connections; the engine's sockets close themselves as their TCP sockets die.
      io?.engine.removeAllListeners('connection');
      await new Promise<void>((resolve) =>
        this.httpServer ? this.httpServer.close(() => resolve()) : resolve(),
      );
      tap?.close(true);
      this.finish('crashed');
    });
  }

  /**
   * Runs one command on the sub connection, as code sharing one connection for both jobs would:
   * under RESP2 a subscribed connection refuses it, under RESP3 it may run it.
   */
  async trySubCommand(
    args: string[],
  ): Promise<{ connection: string; protocol: 2 | 3; reply?: unknown; error?: string }> {
    const sub = this.redis?.sub;
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
    try {
      outcome.reply = await sub.call(command, ...rest);
    } catch (err) {
      outcome.error = (err as Error).message;
    }
    this.tap?.emit({
      kind: 'redis.command',
      step: 5,
      role: 'sub',
      command: command.toUpperCase(),
      args: rest,
      ...outcome,
    });
    return { connection, protocol, ...outcome };
  }

  private takeLife() {
    const life = { io: this.io, redis: this.redis, tap: this.tap };
    this.io = null;
    this.redis = null;
    this.tap = null;
    return life;
  }

  private finish(state: ServerState): void {
    this.httpServer = null;
    this.sockets.clear();
    this.state = state;
    this.options.onChange?.();
  }
}
