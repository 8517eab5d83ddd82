/**
 * The sharded adapter (`createShardedAdapter`) with the lab's hooks. Its class is not exported,
 * but it looks every method up through `this`, so the instance is patched: `onRawMessage` is
 * replaced by the same decode-and-dispatch, plus the report.
 *
 * The adapter catches bytes that do not decode ("invalid format"), but not a message of the
 * wrong shape: ClusterAdapter's onMessage reads `message.data.requestId` and friends without a
 * check, and the throw leaves the Redis listener, which ends a plain server. The hook catches it
 * and reports it as `malformed` with `fatal: true`.
 */
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Decision, SubscriptionMode } from '../../trace/events.ts';
import { hashFlowId } from './flow-context.ts';
import { decodeRaw, errorText, flowTagOf, foreignOf } from './decode.ts';
import type { ServerTap } from './server-tap.ts';
import {
  emitReceive,
  guardTap,
  instrumentAdapter,
  newDelivery,
  reportDelivery,
} from './tapped-adapters.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the hooks reach methods the adapter's types keep protected */

/** ClusterAdapter's MessageType values the hook cares about. */
const BROADCAST = 3;
const FETCH_SOCKETS = 7;
const SERVER_SIDE_EMIT = 9;

/**
 * What a ClusterAdapter (sharded and streams) does with a decoded message, read from its
 * onMessage/onResponse: an answer is handled if it waits for it, its own message is skipped by
 * uid, another namespace's is skipped.
 */
export function clusterDecision(adapter: any, message: any, isResponse: boolean): Decision {
  const isObject = message !== null && typeof message === 'object';
  if (isResponse) {
    const id = isObject ? message.data?.requestId : undefined;
    return adapter.requests.has(id) || adapter.ackRequests.has(id) ? 'delivered' : 'not-for-me';
  }
  if (isObject && message.uid === adapter.uid) return 'own-message';
  if (!isObject || message.nsp !== adapter.nsp.name) return 'other-namespace';
  return 'delivered';
}

export function shardedFactory(
  tap: ServerTap,
  pub: Redis,
  sub: Redis,
  opts: { mode?: SubscriptionMode; key?: string },
) {
  const make = createShardedAdapter(pub, sub, {
    subscriptionMode: opts.mode ?? 'dynamic',
    ...(opts.key ? { channelPrefix: opts.key } : {}),
  }) as unknown as (nsp: any) => any;
  return (nsp: any) => {
    const adapter = make(nsp);
    instrumentAdapter(tap, adapter);
    tap.namespaceAdapter(nsp.name, adapter);
    adapter.onRawMessage = function (raw: Buffer, channel: Buffer | string) {
      const name = String(channel);
      const decoded = decodeRaw(raw);
      const tag = flowTagOf(decoded.value);
      const flow = tag ?? hashFlowId(raw);
      const publisher = foreignOf(decoded.value, tap.lab, tag);
      if (decoded.format === 'unknown') {
        // What the adapter does too: it logs "invalid format" and drops it.
        return guardTap(tap, 'a message from Redis', () =>
          emitReceive(tap, {
            channel: name,
            via: 'smessage',
            msg: raw,
            decision: 'undecodable',
            flow,
            decoded,
            reason: decoded.error,
            fatal: false,
            publisher,
          }),
        );
      }
      const message = decoded.value as any;
      const isObject = message !== null && typeof message === 'object';
      const isResponse = name === this.responseChannel;
      const decision = clusterDecision(this, message, isResponse);
      const d = newDelivery();
      // FETCH_SOCKETS and SERVER_SIDE_EMIT are answered after an await; the rest at once.
      const type = isObject ? message.type : undefined;
      const answersLater = !isResponse && (type === FETCH_SOCKETS || type === SERVER_SIDE_EMIT);
      let failure: { err: unknown } | undefined;
      try {
        const { flows, delivery } = tap.state;
        const handle = () =>
          delivery.run(d, () => (isResponse ? this.onResponse(message) : this.onMessage(message)));
        if (answersLater) flows.withAsyncFlow(flow, handle);
        else flows.withFlow(flow, handle);
      } catch (err) {
        failure = { err };
      }
      guardTap(tap, 'a message from Redis', () => {
        emitReceive(tap, {
          channel: name,
          via: 'smessage',
          msg: raw,
          decision: failure ? 'malformed' : decision,
          flow,
          // Like the classic adapter's receipts: how many local sockets a broadcast reached.
          sockets: !failure && decision === 'delivered' && type === BROADCAST ? d.count : undefined,
          decoded,
          ...(failure ? { reason: errorText(failure.err), fatal: true } : {}),
          publisher,
        });
        if (failure && d.count === 0) return;
        const data = (isObject && message.data) || {};
        reportDelivery(tap, 'remote', flow, data.packet ?? {}, data.opts ?? {}, d, publisher);
      });
    };
    return adapter;
  };
}
