/**
 * The monitor tap of one server life: it watches the server's Socket.IO side (connections,
 * client events, deliveries), its pub and sub connections (every command, every message) and
 * its adapter's decisions, without forking the adapter. Events go to a MonitorSink, which
 * batches them onto the monitor channel through a connection of the monitor's own, so the
 * monitor's traffic never shows up as adapter traffic.
 */
import { socketKind } from './socket-kind.ts';
import type { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import {
  defaultStep,
  type AdapterKind,
  type Envelope,
  type RedisRole,
  type SocketKind,
  type Step,
  type SubscriptionMode,
} from '../../trace/events.ts';
import { labConnectionName, monitorPublisher, quitAll } from '../redis-clients.ts';
import { MonitorSink, type DraftEvent } from './monitor-sink.ts';
import type { SamplingGroup } from '../../trace/sampling.ts';
import { errorText, jsonSafe, type AdapterFamily } from './decode.ts';
import { instrumentAdapter, reportDelivery } from './tapped-adapters.ts';
import type { LabTapState } from './lab-tap-state.ts';
import { RedisTap } from './redis-tap.ts';
import { attachMonitorRelay, type MonitorRelay } from './monitor-relay.ts';
import { attachHttpTap } from '../balancer/http-tap.ts';

type AdapterRole = Extract<RedisRole, 'pub' | 'sub' | 'xread'>;
export type MissedEntry = { entryId: string; event: string; flow?: string };

export interface ServerTapOptions {
  id: string;
  /** The lab this server belongs to (`LabInfo.labId`): in its flow ids and its batches. */
  lab: string;
  redisUrl?: string;
  channel: string;
  /** The adapter's channel prefix (createAdapter's `key`), when not `socket.io`. */
  key?: string;
  /** Receives this server's batches in-process (the hub), even while Redis is down. */
  local?: (envelope: Envelope, json: string) => void;
  /** The lab's sampling group, shared with the hub and the other servers of the process. */
  sampling?: SamplingGroup;
  /** The lab's flows and deliveries, shared by its servers' taps and by no other lab. */
  state: LabTapState;
  /** A message tagged by another lab reached this server (lab-census.ts). */
  onOtherLab?: (lab: string) => void;
}

export function stepOf(draft: DraftEvent): Step {
  return defaultStep(draft);
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

/** The fields of an adapter that say who it is on the wire (both adapters have some of them). */
interface AdapterChannels {
  uid?: string;
  channel?: string;
  requestChannel?: string;
  responseChannel?: string;
  specificResponseChannel?: string;
}

export class ServerTap {
  readonly sink: MonitorSink;
  /** Set once `/`'s adapter is announced; later namespaces are announced as they come. */
  private attached = false;
  private kind: AdapterKind = 'none';
  private mode: SubscriptionMode | undefined;
  family: AdapterFamily = 'classic';
  /** The streams adapter's stream, for its adapter.attach (its class keeps the name private). */
  stream: { name: string; maxLen: number } | undefined;
  /** Sessions restored, by socket id, until the socket's connection is reported. */
  private readonly restored = new Map<string, { offset: string; missed: MissedEntry[] }>();
  private monitorPub: Redis | null = null;
  private relay: MonitorRelay | null = null;
  private readonly redisTap = new RedisTap(this);
  /** Sockets between 'disconnecting' and 'disconnect'. */
  private readonly closing = new Set<string>();
  private lastTapFailure = 0;

  constructor(readonly options: ServerTapOptions) {
    const { id, redisUrl, channel } = options;
    if (redisUrl) {
      // The monitor's own connection, so its traffic never looks like the adapter's.
      this.monitorPub = monitorPublisher(redisUrl, labConnectionName(`${id}:monitor`, options.lab));
    }
    const pub = this.monitorPub;
    this.sink = new MonitorSink({
      source: id,
      lab: options.lab,
      stepOf,
      local: options.local,
      group: options.sampling,
      publish: pub ? (json) => pub.publish(channel, json) : undefined,
    });
  }

  emit(draft: DraftEvent): void {
    this.sink.emit(draft);
  }

  get id(): string {
    return this.options.id;
  }

  get lab(): string {
    return this.options.lab;
  }

  get state(): LabTapState {
    return this.options.state;
  }

  /**
   * The tap's own bookkeeping failed on something that came from Redis. The adapter's work is
   * done by then; this says so once a second at most, and the server carries on.
   */
  tapFailed(what: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastTapFailure < 1000) return;
    this.lastTapFailure = now;
    this.emit({
      kind: 'lab.notice',
      topic: 'info',
      text: `${this.id} could not report ${what}: ${errorText(err)}. It keeps serving.`,
    });
  }

  /** Step 1 onwards: connections, client events and the /monitor relay of this server. */
  attachServer(io: Server, family: AdapterFamily): void {
    this.family = family;
    if (this.options.redisUrl) {
      this.relay = attachMonitorRelay(
        io.of('/monitor'),
        this.options.redisUrl,
        this.options.channel,
        `${this.id}:monitor-sub`,
        this.lab,
      );
    }
    attachHttpTap(io, (draft) => this.emit(draft));
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
      const recovered = socket.recovered || undefined;
      const clientKind = socketKind(socket);
      this.emit({
        kind: 'client.connect',
        socketId: socket.id,
        client,
        clientKind,
        transport,
        recovered,
      });
      if (recovered) this.reportRecovery(socket.id, client !== undefined, clientKind);
      // Socket.IO leaves every room while closing, before 'disconnect'; those leaves say so.
      socket.on('disconnecting', () => this.closing.add(socket.id));
      socket.on('disconnect', (reason) => {
        this.closing.delete(socket.id);
        this.state.deliveries.forget(socket.id);
        this.emit({ kind: 'client.disconnect', socketId: socket.id, client, reason });
      });
      // Opens the flow of each client event; everything its handler does is labelled with it.
      socket.use((packet, next) => {
        const [event, ...args] = packet as [string, ...unknown[]];
        const flow = this.state.flows.newFlowId(this.id, this.lab);
        if (this.sink.offer(flow)) {
          this.sink.record({
            kind: 'client.emit',
            flow,
            socketId: socket.id,
            client,
            event,
            args: argsPreview(args),
            bytes: bytesOf(args),
          });
        }
        this.state.flows.flowAcrossDispatch(flow, next);
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

  /** Steps 4, 5 and 8/9: one of the adapter's Redis connections (see redis-tap.ts). */
  attachRedis(client: Redis, role: AdapterRole): void {
    this.redisTap.attach(client, role);
  }

  redisClosed(role: AdapterRole): void {
    this.redisTap.closed(role);
  }

  /** The streams adapter restored a session; reported once its socket is connected again. */
  sessionRestored(socketId: string, offset: string, missed: MissedEntry[]): void {
    this.restored.set(socketId, { offset, missed });
  }

  /** A client came back with an offset, and the adapter could not restore its session. */
  sessionRefused(offset: string, reason: string): void {
    this.emit({
      kind: 'session.recover',
      socketId: '',
      offset,
      recovered: false,
      reason,
      missed: [],
    });
  }

  /**
   * The recovered socket is sent its missed packets as it connects (socket.io's Socket does it,
   * not the adapter's broadcast): one `deliver` each, marked recovered, so the trace can tell a
   * broadcast that came late from one that was lost.
   */
  private reportRecovery(socketId: string, reporting: boolean, kind: SocketKind): void {
    const r = this.restored.get(socketId);
    if (!r) return;
    this.restored.delete(socketId);
    this.emit({
      kind: 'session.recover',
      socketId,
      offset: r.offset,
      recovered: true,
      missed: r.missed,
    });
    for (const m of r.missed) {
      const d = {
        count: 1,
        ids: [socketId],
        reporting: reporting ? [socketId] : [],
        kinds: { [kind]: 1 },
      };
      reportDelivery(this, 'remote', m.flow, { data: [m.event] }, {}, d, undefined, true);
    }
  }

  explainClose(role: Extract<RedisRole, 'pub' | 'sub'>, why: string): void {
    this.redisTap.explainClose(role, why);
  }

  claimRaw(msg: Buffer): void {
    this.redisTap.claim(msg);
  }

  /**
   * A namespace's adapter was made. `/`'s is announced once the server is up (adapterAttached);
   * one made later, when a client first connects to another namespace (server/lab-namespaces.ts), here.
   */
  namespaceAdapter(nsp: string, adapter: unknown): void {
    if (nsp === '/' || !this.attached) return;
    this.emit({ kind: 'adapter.attach', step: 7, ...this.describeAdapter(nsp, adapter) });
  }

  private describeAdapter(nsp: string, a: unknown) {
    const adapter = a as AdapterChannels;
    const channels = [
      adapter.channel,
      adapter.requestChannel,
      adapter.responseChannel,
      adapter.specificResponseChannel,
    ].filter((c): c is string => typeof c === 'string');
    const stream = this.stream;
    return {
      adapter: this.kind,
      subscriptionMode: this.mode,
      uid: adapter.uid,
      nsp,
      channels,
      stream,
    };
  }

  adapterAttached(io: Server, kind: AdapterKind, mode?: SubscriptionMode): void {
    const adapter = io.of('/').adapter as unknown as AdapterChannels;
    this.kind = kind;
    this.mode = kind === 'sharded' ? mode : undefined;
    this.attached = true;
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
    const base = this.describeAdapter('/', adapter);
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
    else setTimeout(() => void quitAll([pub]), 50);
  }
}
