/**
 * The adapters with the lab's hooks. Nothing is forked: the classic adapter gets a subclass
 * (its constructor binds `onmessage`/`onrequest`, so only a prototype override is seen), the
 * sharded adapter gets instance patches (it looks every method up through `this`), and all of
 * them get hooks on `apply`, the one place every local delivery goes through.
 */
import { Adapter } from 'socket.io-adapter';
import { RedisAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { Redis } from 'ioredis';
import type {
  AdapterKind,
  Decision,
  DecodedMessage,
  SubscriptionMode,
} from '../../trace/events.ts';
import { SyncScope, currentFlow, hashFlowId, withAsyncFlow, withFlow } from './flow-context.ts';
import { decodeRaw, describeMessage, flowOf, flowTagOf, hexPreview, jsonSafe } from './decode.ts';
import type { ServerTap } from './server-tap.ts';
import { recordDelivery } from './delivery-log.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the hooks reach methods the adapters' types keep private */

interface Delivery {
  /** Set when the adapter called `apply`, i.e. decided to deliver, even to zero sockets. */
  applied?: boolean;
  count: number;
  /** The first 50 socket ids, for the event. */
  ids: string[];
  /** Lab and page clients, which report their receipts and need the flow looked up. */
  reporting: string[];
}
/**
 * The delivery being counted: set around the adapter call that leads to `apply`. Synchronous,
 * like the flow's hot path (see flow-context.ts); the one `apply` that comes after an await, the
 * cluster adapter's local part of a broadcast, finds its delivery by the opts object instead.
 */
const delivery = new SyncScope<Delivery>();
const laterDeliveries = new WeakMap<Opts, Delivery>();

/** Adapter methods that publish a request or its answer after an await: their flow must cross it. */
const ASYNC_REQUESTS = ['fetchSockets', 'allRooms', 'serverSideEmit', 'serverSideEmitWithAck'];

/** Rooms and except are Sets in the adapter's calls and arrays in its decoded messages. */
type Opts = {
  rooms?: Iterable<unknown>;
  except?: Iterable<unknown>;
  flags?: Record<string, unknown>;
};
type Packet = { data?: unknown[] };
type ReportingSocket = { id: string; handshake?: { auth?: { labClient?: unknown } } };

function eventName(packet: Packet | undefined): string {
  return typeof packet?.data?.[0] === 'string' ? (packet.data[0] as string) : '?';
}

function reportDelivery(
  tap: ServerTap,
  origin: 'local' | 'remote',
  flow: string | undefined,
  packet: Packet,
  opts: Opts,
  d: Delivery,
) {
  tap.sink.count('delivery', d.count);
  if (d.count === 0) return;
  const event = eventName(packet);
  if (d.reporting.length) recordDelivery(d.reporting, event, flow);
  if (flow && !tap.sink.offer(flow)) return;
  tap.sink.record({
    kind: 'deliver',
    step: origin === 'local' ? 8 : 9,
    origin,
    flow,
    event,
    rooms: [...(opts.rooms ?? [])].map(String),
    except: [...(opts.except ?? [])].map(String),
    sockets: d.ids,
    count: d.count,
    // trace/events.ts promises it: an io.local broadcast was never published.
    local: opts.flags?.local ? true : undefined,
  });
}

/** Hooks on `apply` (who got a packet) and `broadcast` (tags the flow, reports local delivery). */
export function instrumentAdapter(tap: ServerTap, adapter: any): void {
  const apply = adapter.apply;
  adapter.apply = function (opts: Opts, cb: (socket: { id: string }) => void) {
    const d = delivery.value ?? laterDeliveries.get(opts);
    if (!d) return apply.call(this, opts, cb);
    d.applied = true;
    return apply.call(this, opts, (socket: ReportingSocket) => {
      d.count++;
      if (d.ids.length < 50) d.ids.push(socket.id);
      if (socket.handshake?.auth?.labClient) d.reporting.push(socket.id);
      cb(socket);
    });
  };
  for (const method of ['broadcast', 'broadcastWithAck'] as const) {
    const original = adapter[method];
    adapter[method] = function (packet: Packet, opts: Opts, ...rest: unknown[]) {
      const flow = currentFlow();
      // The adapter carries flags to the other servers untouched and ignores ones it doesn't know.
      if (flow) opts.flags = { ...opts.flags, labFlow: flow };
      const d: Delivery = { count: 0, ids: [], reporting: [] };
      const result = delivery.run(d, () => original.call(this, packet, opts, ...rest));
      const report = () => reportDelivery(tap, 'local', flow, packet, opts, d);
      if (result instanceof Promise) {
        // The cluster adapter applies after an await, which this runs before. Only then: a
        // WeakMap entry gives the opts object an identity hash, which is not free.
        laterDeliveries.set(opts, d);
        result.then(report, report);
      } else report();
      return result;
    };
  }
  for (const method of ASYNC_REQUESTS) {
    const original = adapter[method];
    if (typeof original !== 'function') continue;
    adapter[method] = function (...args: unknown[]) {
      return withAsyncFlow(currentFlow(), () => original.apply(this, args));
    };
  }
}

function emitReceive(
  tap: ServerTap,
  channel: string,
  pattern: string | undefined,
  via: 'message' | 'pmessage' | 'smessage',
  msg: Buffer,
  decision: Decision,
  flow: string,
  sockets?: number,
  /** The payload, decoded before the adapter touched it; decoded here when absent. */
  decoded?: { format: DecodedMessage['format']; value: unknown },
) {
  tap.claimRaw(msg);
  tap.sink.countReceipt(decision);
  if (!tap.sink.offer(flow)) return;
  const { format, value } = decoded ?? decodeRaw(msg);
  tap.sink.record({
    kind: 'receive',
    channel,
    pattern,
    via,
    bytes: msg.length,
    decision,
    flow,
    sockets,
    message: describeMessage(tap.family, channel, format, value),
    hex: hexPreview(msg),
  });
}

function monitorAware(make: (nsp: any) => any) {
  // The relay's /monitor namespace stays in memory: viewers are served locally by each server,
  // and it adds no channels or subscribers to Redis.
  return function (nsp: any) {
    return nsp.name === '/monitor' ? new Adapter(nsp) : make(nsp);
  };
}

function classicFactory(tap: ServerTap, pub: Redis, sub: Redis) {
  // What the adapter's parser last decoded, read before the adapter turns its rooms into Sets.
  type Seen = { flow: string; uid: unknown; safe?: unknown; packet: Packet; opts: Opts };
  const seen: { last?: Seen } = {};
  // The adapter's own parser (notepack.io), so the tap needn't decode a broadcast a second time.
  const parser = {
    encode: msgpackEncode,
    decode: (buf: Buffer) => {
      const value = msgpackDecode(buf);
      const flow = flowTagOf(value) ?? hashFlowId(buf);
      const [uid, packet, opts] = Array.isArray(value) ? value : [];
      seen.last = { flow, uid, packet, opts: opts ?? {} };
      if (tap.sink.wantsDetail(flow)) seen.last.safe = jsonSafe(value);
      return value;
    },
  };
  const Base = RedisAdapter as unknown as new (...args: any[]) => any;
  class TappedRedisAdapter extends Base {
    onmessage(pattern: string | null, channel: Buffer | string, msg: Buffer) {
      seen.last = undefined;
      const d: Delivery = { count: 0, ids: [], reporting: [] };
      delivery.run(d, () => super.onmessage(pattern, channel, msg));
      // Set by the parser during the call, if the adapter got as far as decoding.
      const last = seen.last as Seen | undefined;
      const name = String(channel);
      const decodedHere = last === undefined ? decodeRaw(msg) : undefined;
      const flow = last?.flow ?? flowTagOf(decodedHere?.value) ?? flowOf(msg);
      let decision: Decision = 'delivered';
      if (d.applied !== true) {
        // The adapter's checks, in its order: channel, room (before decoding), uid, namespace.
        const room = name.slice(this.channel.length, -1);
        if (!name.startsWith(this.channel)) decision = 'ignored';
        else if (room !== '' && last === undefined) decision = 'unknown-room';
        else if (last?.uid === this.uid) decision = 'own-message';
        else decision = 'other-namespace';
      }
      const decoded = last ? { format: 'msgpack' as const, value: last.safe } : decodedHere;
      const sockets = decision === 'delivered' ? d.count : undefined;
      emitReceive(
        tap,
        name,
        pattern ?? undefined,
        'pmessage',
        msg,
        decision,
        flow,
        sockets,
        decoded,
      );
      if (decision === 'delivered' && last)
        reportDelivery(tap, 'remote', flow, last.packet ?? {}, last.opts, d);
    }

    onrequest(channel: Buffer | string, msg: Buffer) {
      const name = String(channel);
      const { value } = decodeRaw(msg);
      const flow = flowTagOf(value) ?? flowOf(msg);
      const decision = this.classifyRequest(name, value);
      emitReceive(tap, name, undefined, 'message', msg, decision, flow);
      const d: Delivery = { count: 0, ids: [], reporting: [] };
      // Some answers are published after an await (REMOTE_FETCH, SOCKETS).
      const result = withAsyncFlow(flow, () =>
        delivery.run(d, () => super.onrequest(channel, msg)),
      );
      const r = value as { packet?: Packet; opts?: { rooms?: string[]; except?: string[] } };
      const report = () => reportDelivery(tap, 'remote', flow, r?.packet ?? {}, r?.opts ?? {}, d);
      Promise.resolve(result).then(report, report);
      return result;
    }

    /** The checks onrequest/onresponse make before acting, read from the adapter's source. */
    classifyRequest(channel: string, value: any): Decision {
      if (!value || typeof value !== 'object') return 'ignored';
      if (channel.startsWith(this.responseChannel)) {
        const id = value.requestId;
        return this.requests.has(id) || this.ackRequests.has(id) ? 'delivered' : 'not-for-me';
      }
      if (!channel.startsWith(this.requestChannel)) return 'ignored';
      switch (value.type) {
        case 0: // SOCKETS
        case 1: // ALL_ROOMS
        case 5: // REMOTE_FETCH
          return this.requests.has(value.requestId) ? 'own-message' : 'delivered';
        case 6: // SERVER_SIDE_EMIT
          return value.uid === this.uid ? 'own-message' : 'delivered';
        case 7: // BROADCAST (with acks)
          return this.ackRequests.has(value.requestId) ? 'own-message' : 'delivered';
        default:
          // REMOTE_JOIN/LEAVE/DISCONNECT apply on every server, the sender included.
          return 'delivered';
      }
    }
  }
  return monitorAware((nsp) => {
    const adapter = new TappedRedisAdapter(nsp, pub, sub, { parser });
    instrumentAdapter(tap, adapter);
    tap.namespaceAdapter(nsp.name, adapter);
    return adapter;
  });
}

function shardedFactory(tap: ServerTap, pub: Redis, sub: Redis, mode?: SubscriptionMode) {
  const make = createShardedAdapter(pub, sub, {
    subscriptionMode: mode ?? 'dynamic',
  }) as unknown as (nsp: any) => any;
  return monitorAware((nsp) => {
    const adapter = make(nsp);
    instrumentAdapter(tap, adapter);
    tap.namespaceAdapter(nsp.name, adapter);
    // Replaces onRawMessage with the same decode-and-dispatch, plus the report.
    adapter.onRawMessage = function (raw: Buffer, channel: Buffer | string) {
      const name = String(channel);
      const { format, value } = decodeRaw(raw);
      const message = value as any;
      const flow = flowTagOf(value) ?? flowOf(raw);
      if (format === 'unknown' || !message)
        return emitReceive(tap, name, undefined, 'smessage', raw, 'ignored', flow);
      const isResponse = name === this.responseChannel;
      let decision: Decision;
      if (isResponse) {
        const id = message.data?.requestId;
        decision = this.requests.has(id) || this.ackRequests.has(id) ? 'delivered' : 'not-for-me';
      } else if (message.uid === this.uid) decision = 'own-message';
      else if (message.nsp !== this.nsp.name) decision = 'other-namespace';
      else decision = 'delivered';
      emitReceive(tap, name, undefined, 'smessage', raw, decision, flow);
      const d: Delivery = { count: 0, ids: [], reporting: [] };
      // FETCH_SOCKETS and SERVER_SIDE_EMIT are answered after an await; the rest at once.
      const answersLater = !isResponse && (message.type === 7 || message.type === 9);
      (answersLater ? withAsyncFlow : withFlow)(flow, () =>
        delivery.run(d, () => (isResponse ? this.onResponse(message) : this.onMessage(message))),
      );
      const data = message.data ?? {};
      reportDelivery(tap, 'remote', flow, data.packet ?? {}, data.opts ?? {}, d);
    };
    return adapter;
  });
}

export function tappedAdapterFactory(
  tap: ServerTap,
  kind: AdapterKind,
  pub: Redis,
  sub: Redis,
  mode?: SubscriptionMode,
) {
  if (kind === 'redis') return classicFactory(tap, pub, sub);
  if (kind === 'sharded') return shardedFactory(tap, pub, sub, mode);
  return monitorAware((nsp) => new Adapter(nsp));
}
