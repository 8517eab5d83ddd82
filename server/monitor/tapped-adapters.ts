/**
 * The adapters with the lab's hooks. Nothing is forked: the classic adapter gets a subclass
 * (tap-classic.ts), the sharded adapter instance patches (tap-sharded.ts), and all of them get
 * hooks on `apply`, the one place every local delivery goes through. This module holds what the
 * modes share: delivery counting and the `receive` and `deliver` reports. Which hooks each mode
 * gets is its module's business (server/adapters/).
 */
import { socketKind } from './socket-kind.ts';
import { Adapter } from 'socket.io-adapter';
import type { Decision, Foreign, Receive } from '../../trace/events.ts';
import { decodeRaw, describeMessage, hexPreview, labOfFlow, type Decoded } from './decode.ts';
import type { ServerTap } from './server-tap.ts';
import type { DraftEvent } from './monitor-sink.ts';
import type { Delivery } from './lab-tap-state.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the hooks reach methods the adapters' types keep private */

export type { Delivery };

export function newDelivery(): Delivery {
  return { count: 0, ids: [], reporting: [], kinds: {} };
}

/** Adapter methods that publish a request or its answer after an await: their flow must cross it. */
const ASYNC_REQUESTS = ['fetchSockets', 'allRooms', 'serverSideEmit', 'serverSideEmitWithAck'];

/** Rooms and except are Sets in the adapter's calls and arrays in its decoded messages. */
export type Opts = {
  rooms?: Iterable<unknown>;
  except?: Iterable<unknown>;
  flags?: Record<string, unknown>;
};
export type Packet = { data?: unknown[] };
type ReportingSocket = { id: string; handshake?: { auth?: Record<string, unknown> } };
/** Who published a message no server of this lab sent (see foreignOf in decode.ts). */
export type Publisher = { foreign?: Foreign; otherLab?: string };

function eventName(packet: Packet | undefined): string {
  const data = packet?.data;
  return Array.isArray(data) && typeof data[0] === 'string' ? data[0].slice(0, 64) : '?';
}

/** Anything iterable, as strings; a forged opts may hold anything at all. */
function names(list: unknown): string[] {
  if (list === null || typeof list !== 'object' || !(Symbol.iterator in list)) return [];
  return [...(list as Iterable<unknown>)].slice(0, 50).map(String);
}

export function reportDelivery(
  tap: ServerTap,
  origin: 'local' | 'remote',
  flow: string | undefined,
  packet: Packet,
  opts: Opts,
  d: Delivery,
  publisher?: Publisher,
  recovered?: true,
) {
  tap.sink.count('delivery', d.count);
  if (d.count === 0) return;
  const event = eventName(packet);
  if (d.reporting.length) tap.state.deliveries.record(d.reporting, event, flow);
  if (flow && !tap.sink.offer(flow)) return;
  tap.sink.record({
    kind: 'deliver',
    step: origin === 'local' ? 8 : 9,
    origin,
    flow,
    event,
    rooms: names(opts?.rooms),
    except: names(opts?.except),
    sockets: d.ids,
    count: d.count,
    kinds: d.kinds,
    // trace/events.ts promises it: an io.local broadcast was never published.
    local: opts?.flags?.local ? true : undefined,
    recovered,
    ...publisher,
  });
}

/** Hooks on `apply` (who got a packet) and `broadcast` (tags the flow, reports local delivery). */
export function instrumentAdapter(tap: ServerTap, adapter: any): void {
  const { flows, delivery, laterDeliveries } = tap.state;
  const apply = adapter.apply;
  adapter.apply = function (opts: Opts, cb: (socket: { id: string }) => void) {
    const d = delivery.value ?? laterDeliveries.get(opts);
    if (!d) return apply.call(this, opts, cb);
    d.applied = true;
    return apply.call(this, opts, (socket: ReportingSocket) => {
      d.count++;
      if (d.ids.length < 50) d.ids.push(socket.id);
      if (socket.handshake?.auth?.labClient) d.reporting.push(socket.id);
      const kind = socketKind(socket);
      d.kinds[kind] = (d.kinds[kind] ?? 0) + 1;
      cb(socket);
    });
  };
  for (const method of ['broadcast', 'broadcastWithAck'] as const) {
    const original = adapter[method];
    adapter[method] = function (packet: Packet, opts: Opts, ...rest: unknown[]) {
      // Every broadcast a lab server makes carries a flow, so the others can tell it from a
      // stranger's; one made outside any client's event gets a flow of its own.
      const flow = flows.current() ?? flows.newFlowId(tap.id, tap.lab);
      // The adapter carries flags to the other servers untouched and ignores ones it doesn't know.
      // A broadcast made while answering another lab's flow also says which lab made it.
      opts.flags =
        labOfFlow(flow) === tap.lab
          ? { ...opts.flags, labFlow: flow }
          : { ...opts.flags, labFlow: flow, labFrom: tap.lab };
      const d = newDelivery();
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
      return flows.withAsyncFlow(flows.current(), () => original.apply(this, args));
    };
  }
}

/** One message a server's adapter hook saw, with what became of it. */
export interface Receipt {
  channel: string;
  pattern?: string;
  via: Receive['via'];
  msg: Buffer;
  decision: Decision;
  flow: string;
  sockets?: number;
  /** The payload, decoded before the adapter touched it; decoded here when absent. */
  decoded?: Decoded;
  reason?: string;
  fatal?: boolean;
  publisher?: Publisher;
  /** A stream entry's id (the streams adapter). */
  entryId?: string;
}

export function emitReceive(tap: ServerTap, r: Receipt): void {
  tap.claimRaw(r.msg);
  tap.sink.countReceipt(r.decision);
  if (r.publisher?.otherLab) tap.options.onOtherLab?.(r.publisher.otherLab);
  if (tap.sink.offer(r.flow)) tap.sink.record(receiveDraft(tap, r));
}

/** The `receive` event of a receipt. */
export function receiveDraft(tap: ServerTap, r: Receipt): Extract<DraftEvent, { kind: 'receive' }> {
  const { format, value, safe } = r.decoded ?? decodeRaw(r.msg);
  return {
    kind: 'receive',
    channel: r.channel,
    pattern: r.pattern,
    via: r.via,
    bytes: r.msg.length,
    decision: r.decision,
    flow: r.flow,
    sockets: r.sockets,
    message: describeMessage(tap.family, r.channel, format, value, safe),
    hex: hexPreview(r.msg),
    reason: r.reason,
    fatal: r.fatal,
    entryId: r.entryId,
    ...r.publisher,
  };
}

/**
 * Runs a hook's own reporting. The adapter's work runs outside it; this guards the lab's
 * bookkeeping, so that a message nobody foresaw costs a notice, never the process.
 */
export function guardTap(tap: ServerTap, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    tap.tapFailed(what, err);
  }
}

export function monitorAware(make: (nsp: any) => any) {
  // The relay's /monitor namespace stays in memory: viewers are served locally by each server,
  // and it adds no channels or subscribers to Redis.
  return function (nsp: any) {
    return nsp.name === '/monitor' ? new Adapter(nsp) : make(nsp);
  };
}
