/**
 * The monitor tap of one server life: it watches the server's Socket.IO side (connections,
 * client events, deliveries), its pub and sub connections (every command, every message) and
 * its adapter's decisions, without forking the adapter. Events go to a MonitorSink, which
 * batches them onto the monitor channel through a connection of the monitor's own, so the
 * monitor's traffic never shows up as adapter traffic.
 */
import type { Server } from 'socket.io';
import { Redis } from 'ioredis';
import {
  STEP_OF,
  type AdapterKind,
  type Envelope,
  type RedisRole,
  type Step,
  type SubscriptionMode,
} from '../../trace/events.ts';
import { monitorPublisher, SUBSCRIBE_COMMANDS } from '../redis-clients.ts';
import { MonitorSink, type DraftEvent } from './monitor-sink.ts';
import { flowContext, newFlowId } from './flow-context.ts';
import {
  decodeMessage,
  flowOf,
  flowTagOf,
  hexPreview,
  jsonSafe,
  toBuffer,
  type AdapterFamily,
} from './decode.ts';
import { instrumentAdapter, tappedAdapterFactory } from './tapped-adapters.ts';
import { forgetSocket } from './delivery-log.ts';
import { attachMonitorRelay, type MonitorRelay } from './monitor-relay.ts';

export interface ServerTapOptions {
  id: string;
  redisUrl?: string;
  channel: string;
  /** Receives this server's batches in-process (the hub), even while Redis is down. */
  local?: (envelope: Envelope) => void;
}

export function stepOf(draft: DraftEvent): Step {
  return STEP_OF[draft.kind] ?? 8;
}

function argsPreview(args: unknown[]): unknown[] {
  return args.filter((a) => typeof a !== 'function').map((a) => jsonSafe(a));
}

function bytesOf(args: unknown[]): number {
  try {
    return Buffer.byteLength(JSON.stringify(args.filter((a) => typeof a !== 'function')) ?? '');
  } catch {
    return 0;
  }
}

export class ServerTap {
  readonly sink: MonitorSink;
  family: AdapterFamily = 'classic';
  private monitorPub: Redis | null = null;
  private relay: MonitorRelay | null = null;
  private pubIds = 0;
  /** Messages the sub connection got that no adapter hook has claimed yet. */
  private readonly unclaimed = new Set<Buffer>();
  /** The adapter's connections that are up, and their last errors. */
  private readonly connected = new Set<string>();
  private readonly lastError = new Map<string, string>();
  /** Sockets between 'disconnecting' and 'disconnect'. */
  private readonly closing = new Set<string>();

  constructor(readonly options: ServerTapOptions) {
    const { id, redisUrl, channel } = options;
    if (redisUrl) {
      // The monitor's own connection, so its traffic never looks like the adapter's.
      this.monitorPub = monitorPublisher(redisUrl, `${id}:monitor`);
    }
    const pub = this.monitorPub;
    this.sink = new MonitorSink({
      source: id,
      stepOf,
      local: options.local,
      publish: pub ? (json) => pub.publish(channel, json) : undefined,
    });
  }

  emit(draft: DraftEvent): void {
    this.sink.emit(draft);
  }

  get id(): string {
    return this.options.id;
  }

  /** Step 1 onwards: connections, client events and the /monitor relay of this server. */
  attachServer(io: Server, _port: number, adapter: AdapterKind, _mode?: SubscriptionMode): void {
    this.family = adapter === 'sharded' ? 'sharded' : 'classic';
    if (this.options.redisUrl) {
      this.relay = attachMonitorRelay(
        io.of('/monitor'),
        this.options.redisUrl,
        this.options.channel,
        `${this.id}:monitor-sub`,
      );
    }
    io.engine.on(
      'connection',
      (raw: {
        id: string;
        transport: { name: string };
        request: { _query?: Record<string, string> };
      }) => {
        this.emit({
          kind: 'client.transport',
          transport: raw.transport.name,
          client: raw.request._query?.labClient,
        });
      },
    );
    io.on('connection', (socket) => {
      const client =
        typeof socket.handshake.auth?.labClient === 'string'
          ? socket.handshake.auth.labClient
          : undefined;
      const transport = socket.conn.transport.name;
      this.emit({ kind: 'client.connect', socketId: socket.id, client, transport });
      // Socket.IO leaves every room while closing, before 'disconnect'; those leaves say so.
      socket.on('disconnecting', () => this.closing.add(socket.id));
      socket.on('disconnect', (reason) => {
        this.closing.delete(socket.id);
        forgetSocket(socket.id);
        this.emit({ kind: 'client.disconnect', socketId: socket.id, client, reason });
      });
      // Opens the flow of each client event; everything the handler does runs inside it.
      socket.use((packet, next) => {
        const [event, ...args] = packet as [string, ...unknown[]];
        const flow = newFlowId(this.id);
        this.emit({
          kind: 'client.emit',
          flow,
          socketId: socket.id,
          client,
          event,
          args: argsPreview(args),
          bytes: bytesOf(args),
        });
        flowContext.run(flow, next);
      });
    });
  }

  serverUp(port: number, adapter: AdapterKind, subscriptionMode?: SubscriptionMode): void {
    this.emit({
      kind: 'server.up',
      port,
      adapter,
      subscriptionMode: adapter === 'sharded' ? subscriptionMode : undefined,
    });
  }

  serverDown(reason: 'stop' | 'crash'): void {
    this.emit({ kind: 'server.down', reason });
    this.sink.flush();
  }

  /**
   * A connection of the server is gone. Called by ioredis's 'close', and by the server itself on
   * stop or crash (the tap closes before ioredis would tell it); reported once either way.
   */
  redisClosed(role: Extract<RedisRole, 'pub' | 'sub'>): void {
    if (!this.connected.delete(role)) return;
    this.emit({
      kind: 'redis.disconnect',
      role,
      name: `${this.id}:${role}`,
      error: this.lastError.get(role),
    });
  }

  /** Steps 4, 5 and 8/9: one of the adapter's Redis connections. */
  attachRedis(client: Redis, role: Extract<RedisRole, 'pub' | 'sub'>): void {
    const name = `${this.id}:${role}`;
    const protocol = (client.options as { protocol?: number }).protocol;
    client.on('ready', () => {
      this.connected.add(role);
      this.emit({ kind: 'redis.connect', role, name, duplicated: role === 'sub', protocol });
    });
    client.on('error', (err: Error) => this.lastError.set(role, err.message));
    client.on('close', () => this.redisClosed(role));
    const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

    if (role === 'pub') {
      for (const command of ['publish', 'spublish'] as const) this.wrapPublish(target, command);
      const send = target.send_command;
      target.send_command = (...args: unknown[]) => {
        const [command, rest] = args as [string, string[]];
        const result = send.apply(client, args);
        if (String(command).toUpperCase() === 'PUBSUB') {
          result.then(
            (reply) =>
              this.emit({
                kind: 'redis.command',
                role,
                command: 'PUBSUB',
                args: rest.map(String),
                reply: jsonSafe(reply),
                flow: flowContext.getStore(),
              }),
            (err: Error) =>
              this.emit({
                kind: 'redis.command',
                role,
                command: 'PUBSUB',
                args: rest.map(String),
                error: err.message,
              }),
          );
        }
        return result;
      };
      return;
    }

    client.on('messageBuffer', (channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'message'),
    );
    client.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'pmessage', String(pattern)),
    );
    client.on('smessageBuffer', (channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'smessage'),
    );
    for (const command of SUBSCRIBE_COMMANDS) {
      const original = target[command];
      target[command] = (...args: unknown[]) => {
        const channels = args.flat().filter((a) => typeof a === 'string') as string[];
        const result = original.apply(client, args);
        // Reported once Redis confirms: a subscription only exists from then on.
        const report = (outcome: { reply?: unknown; error?: string }) =>
          this.emit({
            kind: 'redis.command',
            step: 5,
            role,
            command: command.toUpperCase(),
            args: channels,
            ...outcome,
          });
        result.then(
          (reply) => report({ reply: jsonSafe(reply) }),
          (err: Error) => report({ error: err.message }),
        );
        return result;
      };
    }
  }

  /**
   * Every message on the sub connection is seen here first. The adapter's hook, which runs next
   * in the same tick, claims it with its decision; one nobody claims was ignored by every adapter.
   */
  private rawMessage(
    msg: Buffer,
    channel: Buffer,
    via: 'message' | 'pmessage' | 'smessage',
    pattern?: string,
  ): void {
    this.unclaimed.add(msg);
    queueMicrotask(() => {
      if (!this.unclaimed.delete(msg)) return;
      this.sink.countReceipt('ignored');
      this.emit({
        kind: 'receive',
        channel: String(channel),
        pattern,
        via,
        bytes: msg.length,
        decision: 'ignored',
        flow: flowOf(msg),
      });
    });
  }

  claimRaw(msg: Buffer): void {
    this.unclaimed.delete(msg);
  }

  private wrapPublish(
    target: Record<string, (...args: unknown[]) => Promise<unknown>>,
    command: 'publish' | 'spublish',
  ): void {
    const original = target[command];
    target[command] = (channel: unknown, payload: unknown, ...rest: unknown[]) => {
      const given = toBuffer(payload as Buffer);
      const flow = flowContext.getStore() ?? flowOf(given);
      const tagged = tagJson(given, flow);
      const buf = tagged === undefined ? given : Buffer.from(tagged);
      const pubId = ++this.pubIds;
      const t = Date.now();
      this.sink.count('publish');
      const detail = this.sink.wantsDetail(flow);
      this.emit({
        kind: 'publish',
        command: command === 'publish' ? 'PUBLISH' : 'SPUBLISH',
        channel: String(channel),
        bytes: buf.length,
        flow,
        pubId,
        message: detail ? decodeMessage(this.family, String(channel), buf) : undefined,
        hex: detail ? hexPreview(buf) : undefined,
      });
      const result = original.call(target, channel, tagged ?? payload, ...rest);
      result.then(
        (receivers) =>
          this.emit({
            kind: 'publish.result',
            pubId,
            channel: String(channel),
            receivers: Number(receivers),
            ms: Date.now() - t,
            flow,
          }),
        (err: Error) =>
          this.emit({
            kind: 'publish.result',
            pubId,
            channel: String(channel),
            error: err.message,
            ms: Date.now() - t,
            flow,
          }),
      );
      return result;
    };
  }

  /** Steps 6 and 7: the adapter factory, with the lab's hooks for decisions and deliveries. */
  wrapAdapter(kind: AdapterKind, pub: Redis, sub: Redis, mode?: SubscriptionMode) {
    return tappedAdapterFactory(this, kind, pub, sub, mode);
  }

  adapterAttached(io: Server, kind: AdapterKind, mode?: SubscriptionMode): void {
    const adapter = io.of('/').adapter as unknown as {
      uid?: string;
      channel?: string;
      requestChannel?: string;
      responseChannel?: string;
      specificResponseChannel?: string;
    };
    if (kind === 'none') instrumentAdapter(this, adapter);
    const rooms = adapter as unknown as {
      on(event: string, fn: (room: string, id: string) => void): void;
    };
    // A socket's own room (its id) is how Socket.IO addresses it; only named rooms are news.
    rooms.on(
      'join-room',
      (room, id) =>
        room !== id && this.emit({ kind: 'room.join', step: 3, socketId: id, room: String(room) }),
    );
    rooms.on('leave-room', (room, id) => {
      if (room === id) return;
      const closing = this.closing.has(id) || undefined;
      this.emit({ kind: 'room.leave', step: 3, socketId: id, room: String(room), closing });
    });
    const channels = [
      adapter.channel,
      adapter.requestChannel,
      adapter.responseChannel,
      adapter.specificResponseChannel,
    ].filter((c): c is string => typeof c === 'string');
    const base = {
      adapter: kind,
      subscriptionMode: kind === 'sharded' ? mode : undefined,
      uid: adapter.uid,
      nsp: '/',
      channels,
    };
    this.emit({ kind: 'adapter.attach', step: 6, ...base });
    this.emit({ kind: 'adapter.attach', step: 7, ...base });
  }

  /** `abrupt` (a crash) drops the monitor's connections too, with no QUIT, as a dying process would. */
  close(abrupt = false): void {
    this.sink.close();
    this.relay?.close();
    const pub = this.monitorPub;
    this.monitorPub = null;
    if (!pub) return;
    // disconnect() still flushes what is written, so the last batch (server.down) goes out.
    if (abrupt) pub.disconnect(false);
    // Let the final batch go out before saying goodbye.
    else setTimeout(() => void pub.quit().catch(() => pub.disconnect()), 50);
  }
}

/**
 * Requests and responses are JSON the adapters parse and pass on without looking at unknown
 * fields; the lab adds `labFlow` so every server can tell which flow a request belongs to.
 */
function tagJson(buf: Buffer, flow: string): string | undefined {
  if (buf[0] !== 0x7b || flow.startsWith('h-')) return undefined;
  try {
    const value = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || flowTagOf(value))
      return undefined;
    return JSON.stringify({ ...value, labFlow: flow });
  } catch {
    return undefined;
  }
}
