/**
 * The streams adapter (@socket.io/redis-streams-adapter `createAdapter(redis)`) with the lab's
 * hooks. Its class is not exported and it looks its methods up through `this`, so each instance
 * is patched, as the sharded adapter's is:
 * - `onRawMessage(fields, entryId)`: every stream entry of the namespace that the server's XREAD
 *   returned, its own included: the receipt, with the entry id and the adapter's decision;
 * - `onMessage(message)` without an entry id: a request or an answer over pub/sub (broadcasts
 *   with acks, fetchSockets, serverSideEmit), which the adapter's SUBSCRIBE listener decodes;
 * - `restoreSession(pid, offset)`: a client that came back, and the entries it missed.
 * XADD itself is reported on the wire by redis-tap.ts.
 *
 * A plain server's reading loop catches what onMessage throws and reads the same entry again,
 * for ever: one malformed entry stops its server from reading the stream. The hook catches it,
 * reports it as `malformed` with `fatal: true`, and the loop goes on to the next entry.
 */
import type { Redis } from 'ioredis';
import type { Decision } from '../../trace/events.ts';
import { hashFlowId } from './flow-context.ts';
import {
  decodeRaw,
  decodeStreamEntry,
  entryBytes,
  errorText,
  flowTagOf,
  foreignOf,
} from './decode.ts';
import type { ServerTap } from './server-tap.ts';
import { requireHook, STREAMS_INSTANCE_HOOKS } from '../adapters/hook-check.ts';
import { clusterDecision } from './tap-sharded.ts';
import {
  emitReceive,
  guardTap,
  instrumentAdapter,
  newDelivery,
  reportDelivery,
  type Delivery,
  type Receipt,
} from './tapped-adapters.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the hooks reach methods the adapter's types keep private */

/** How many entry ids the tap remembers the flows of (for the entries a restore replays). */
const FLOWS_KEPT = 5000;

export interface StreamsTapOptions {
  stream: string;
  /** The adapter's SUBSCRIBE connection, whose messages the tap claims. */
  sub: Redis;
  /** The connection the adapter is given: its XRANGE replies carry the flows of missed entries. */
  pub: Redis;
}

export function streamsHooks(tap: ServerTap, opts: StreamsTapOptions) {
  // Entry id → flow, from the entries the restores read (XRANGE on the adapter's connection).
  const flows = new Map<string, string>();
  const xrange = (opts.pub as any).xrange;
  (opts.pub as any).xrange = function (...args: unknown[]) {
    const result: Promise<[string, string[]][]> = xrange.apply(this, args);
    return result.then((entries) => {
      guardTap(tap, 'an XRANGE reply', () => {
        for (const [id, list] of entries ?? []) {
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]] = list[i + 1];
          const flow = flowTagOf(decodeStreamEntry(fields).value);
          if (flow) flows.set(id, flow);
          if (flows.size > FLOWS_KEPT) flows.delete(flows.keys().next().value!);
        }
      });
      return entries;
    });
  };
  // The message the SUBSCRIBE connection got last: the adapter's listener runs right after this
  // one, in the same emit, and decodes it into the onMessage call the hook sees.
  let lastPubSub: { channel: string; msg: Buffer } | undefined;
  opts.sub.on('messageBuffer', (channel: Buffer, msg: Buffer) => {
    lastPubSub = { channel: String(channel), msg };
  });

  return (adapter: any) => {
    for (const name of STREAMS_INSTANCE_HOOKS)
      requireHook(adapter, '@socket.io/redis-streams-adapter', `RedisStreamsAdapter#${name}`);
    instrumentAdapter(tap, adapter);
    tap.namespaceAdapter(adapter.nsp.name, adapter);
    const onRawMessage = adapter.onRawMessage;
    const onMessage = adapter.onMessage;
    const restoreSession = adapter.restoreSession;

    adapter.onRawMessage = function (fields: unknown, entryId: string) {
      const raw = entryBytes(fields);
      const decoded = decodeStreamEntry(fields);
      const value = decoded.value as any;
      const tag = flowTagOf(value);
      const flow = tag ?? hashFlowId(raw);
      const publisher = foreignOf(value, tap.lab, tag);
      let decision: Decision =
        decoded.format === 'unknown'
          ? 'undecodable'
          : value.uid === this.uid
            ? 'own-message'
            : 'delivered';
      const d = newDelivery();
      let failure: unknown;
      try {
        tap.state.flows.withFlow(flow, () =>
          tap.state.delivery.run(d, () => onRawMessage.call(this, fields, entryId)),
        );
      } catch (err) {
        decision = 'malformed';
        failure = err;
      }
      report(
        tap,
        {
          channel: opts.stream,
          via: 'xread',
          msg: raw,
          decision,
          flow,
          decoded,
          publisher,
          entryId,
          sockets: decision === 'delivered' && value?.type === 3 ? d.count : undefined,
          ...(decision === 'undecodable' ? { reason: decoded.error, fatal: false } : {}),
          ...(failure !== undefined ? { reason: errorText(failure), fatal: true } : {}),
        },
        d,
        value?.data,
      );
    };

    adapter.onMessage = function (message: any, offset?: string) {
      // From the stream (with its entry id) the receipt is onRawMessage's.
      if (offset !== undefined || !lastPubSub) return onMessage.call(this, message, offset);
      const { channel, msg } = lastPubSub;
      lastPubSub = undefined;
      const decoded = decodeRaw(msg);
      const tag = flowTagOf(decoded.value);
      const flow = tag ?? hashFlowId(msg);
      const isResponse = channel.endsWith(`#${this.uid}#`);
      let decision = clusterDecision(this, message, isResponse);
      const d = newDelivery();
      let failure: unknown;
      try {
        tap.state.flows.withFlow(flow, () =>
          tap.state.delivery.run(d, () => onMessage.call(this, message, offset)),
        );
      } catch (err) {
        decision = 'malformed';
        failure = err;
      }
      report(
        tap,
        {
          channel,
          via: 'message',
          msg,
          decision,
          flow,
          decoded,
          publisher: foreignOf(decoded.value, tap.lab, tag),
          ...(failure !== undefined ? { reason: errorText(failure), fatal: true } : {}),
        },
        d,
        message?.data,
      );
    };

    adapter.restoreSession = async function (pid: string, offset: string) {
      try {
        const session = await restoreSession.call(this, pid, offset);
        const missed = (session?.missedPackets ?? []).map((data: unknown[]) => {
          const entryId = String(data[data.length - 1]);
          const event = typeof data[0] === 'string' ? data[0].slice(0, 64) : '?';
          return { entryId, event, flow: flows.get(entryId) };
        });
        tap.sessionRestored(String(session.sid), offset, missed);
        return session;
      } catch (err) {
        tap.sessionRefused(offset, errorText(err));
        throw err;
      }
    };
    return adapter;
  };
}

/** The receipt, then what it delivered to this server's sockets. */
function report(tap: ServerTap, receipt: Receipt, d: Delivery, data: any): void {
  guardTap(tap, 'an entry of the stream', () => {
    emitReceive(tap, receipt);
    if (receipt.fatal && d.count === 0) return;
    const { packet, opts } = (data && typeof data === 'object' ? data : {}) as any;
    reportDelivery(tap, 'remote', receipt.flow, packet ?? {}, opts ?? {}, d, receipt.publisher);
  });
}
