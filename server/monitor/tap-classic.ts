/**
 * The classic adapter (`createAdapter`) with the lab's hooks. Its constructor binds
 * `onmessage`/`onrequest` to its Redis listeners, so only a prototype override is seen: a
 * subclass. Each hook runs the adapter's own method unchanged and reports what it decided.
 *
 * Anyone who can PUBLISH on the adapter's channels reaches these methods, and 8.3's `onmessage`
 * decodes without try/catch: one `PUBLISH socket.io#/# hi` throws from the Redis listener, which
 * ends a plain server. `onrequest` is async, so a request of the wrong shape rejects a promise
 * nobody handles, which ends a plain server on Node 15 and later too. The hooks catch both,
 * report them as `undecodable` or `malformed` with `fatal: true`, and the server keeps serving.
 */
import { RedisAdapter } from '@socket.io/redis-adapter';
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { Redis } from 'ioredis';
import type { Decision } from '../../trace/events.ts';
import { hashFlowId } from './flow-context.ts';
import { decodeRaw, errorText, flowTagOf, foreignOf, jsonSafe } from './decode.ts';
import type { ServerTap } from './server-tap.ts';
import {
  emitReceive,
  guardTap,
  instrumentAdapter,
  newDelivery,
  receiveDraft,
  reportDelivery,
  type Opts,
  type Packet,
  type Publisher,
  type Receipt,
} from './tapped-adapters.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the hooks reach methods the adapter's types keep private */

/** RequestType values the classic adapter handles on its request channel (lib/index.ts). */
const REQUEST_TYPES_HANDLED = new Set([0, 1, 2, 3, 4, 5, 6, 7]);

/** Lets a promise's rejection that is already there be seen before this runs. */
const resolved = Promise.resolve();

/**
 * A receipt recorded now, in its place among the server's events, whose decision is final a
 * microtask later (the sink holds its batch until then). Counted once, when settled.
 */
function holdReceipt(tap: ServerTap, receipt: Receipt) {
  tap.claimRaw(receipt.msg);
  const event = tap.sink.offer(receipt.flow)
    ? tap.sink.hold(receiveDraft(tap, receipt))
    : undefined;
  const held = {
    settled: false,
    settle(change?: Pick<Receipt, 'decision' | 'reason' | 'fatal'>) {
      if (held.settled) return;
      held.settled = true;
      try {
        const final = { ...receipt, ...change };
        if (event && change) Object.assign(event, change);
        tap.sink.countReceipt(final.decision);
        if (final.publisher?.otherLab) tap.options.onOtherLab?.(final.publisher.otherLab);
      } finally {
        if (event) tap.sink.release();
      }
    },
  };
  return held;
}

export function classicFactory(tap: ServerTap, pub: Redis, sub: Redis, key?: string) {
  // What the adapter's parser last decoded, read before the adapter turns its rooms into Sets.
  type Seen = {
    flow: string;
    uid: unknown;
    safe?: unknown;
    packet: Packet;
    opts: Opts;
    publisher: Publisher;
  };
  const seen: { last?: Seen; decodeError?: unknown } = {};
  // The adapter's own parser (notepack.io), so the tap needn't decode a broadcast a second time.
  const parser = {
    encode: msgpackEncode,
    decode: (buf: Buffer) => {
      let value: unknown;
      try {
        value = msgpackDecode(buf);
      } catch (err) {
        // The adapter's onmessage does not catch this; the hook does, and says it was the bytes.
        seen.decodeError = err;
        throw err;
      }
      const tag = flowTagOf(value);
      const flow = tag ?? hashFlowId(buf);
      const [uid, packet, opts] = Array.isArray(value) ? value : [];
      const publisher = foreignOf(value, tap.lab, tag);
      seen.last = { flow, uid, packet, opts: opts ?? {}, publisher };
      if (tap.sink.wantsDetail(flow)) seen.last.safe = jsonSafe(value);
      return value;
    },
  };
  const Base = RedisAdapter as unknown as new (...args: any[]) => any;
  class TappedRedisAdapter extends Base {
    onmessage(pattern: string | null, channel: Buffer | string, msg: Buffer) {
      seen.last = undefined;
      seen.decodeError = undefined;
      const d = newDelivery();
      let failure: unknown;
      let failed = false;
      try {
        tap.state.delivery.run(d, () => super.onmessage(pattern, channel, msg));
      } catch (err) {
        failed = true;
        failure = err;
      }
      guardTap(tap, 'a broadcast from Redis', () =>
        this.reportMessage(pattern, String(channel), msg, d, failed, failure),
      );
    }

    reportMessage(
      pattern: string | null,
      name: string,
      msg: Buffer,
      d: ReturnType<typeof newDelivery>,
      failed: boolean,
      failure: unknown,
    ) {
      // Set by the parser during the call, if the adapter got as far as decoding.
      const last = seen.last as Seen | undefined;
      const decodedHere = last === undefined ? decodeRaw(msg) : undefined;
      const flow = last?.flow ?? flowTagOf(decodedHere?.value) ?? hashFlowId(msg);
      let decision: Decision = 'delivered';
      if (failed) decision = seen.decodeError !== undefined ? 'undecodable' : 'malformed';
      else if (d.applied !== true) {
        // The adapter's checks, in its order: channel, room (before decoding), uid, namespace.
        const room = name.slice(this.channel.length, -1);
        if (!name.startsWith(this.channel)) decision = 'ignored';
        else if (room !== '' && last === undefined) decision = 'unknown-room';
        else if (last?.uid === this.uid) decision = 'own-message';
        else decision = 'other-namespace';
      }
      // The parser kept a snapshot when the flow's detail was wanted; should the sampler have
      // changed its mind since, the bytes are decoded again (the adapter changed its copy).
      const decoded =
        last?.safe !== undefined
          ? { format: 'msgpack' as const, value: last.safe, safe: true }
          : (decodedHere ?? decodeRaw(msg));
      const publisher =
        last?.publisher ?? (decodedHere ? foreignOf(decodedHere.value, tap.lab) : undefined);
      emitReceive(tap, {
        channel: name,
        pattern: pattern ?? undefined,
        via: 'pmessage',
        msg,
        decision,
        flow,
        sockets: decision === 'delivered' ? d.count : undefined,
        decoded,
        ...(failed ? { reason: errorText(failure), fatal: true } : {}),
        publisher,
      });
      if ((decision === 'delivered' || d.count > 0) && last)
        reportDelivery(tap, 'remote', flow, last.packet ?? {}, last.opts, d, publisher);
    }

    onrequest(channel: Buffer | string, msg: Buffer) {
      const name = String(channel);
      const decoded = decodeRaw(msg);
      const flow = flowTagOf(decoded.value) ?? hashFlowId(msg);
      // Decided before the adapter acts: a response it was waiting for is gone once handled.
      const decision = this.classifyRequest(name, decoded.value, decoded.format === 'unknown');
      const receipt: Receipt = {
        channel: name,
        via: 'message',
        msg,
        decision,
        flow,
        decoded,
        // The adapter catches bad bytes itself ("ignoring malformed request").
        ...(decoded.format === 'unknown' ? { reason: decoded.error, fatal: false } : {}),
        publisher: foreignOf(decoded.value, tap.lab),
      };
      const held = holdReceipt(tap, receipt);
      const d = newDelivery();
      let result: Promise<unknown>;
      try {
        // Some answers are published after an await (REMOTE_FETCH, SOCKETS).
        result = tap.state.flows.withAsyncFlow(flow, () =>
          tap.state.delivery.run(d, () => super.onrequest(channel, msg)),
        );
      } catch (err) {
        // onrequest is async and so never throws; should a later version, the hook still holds.
        result = Promise.reject(err);
      }
      const r = decoded.value as { packet?: Packet; opts?: Opts } | null;
      const deliveries = () =>
        guardTap(tap, 'a request from Redis', () =>
          reportDelivery(tap, 'remote', flow, r?.packet ?? {}, r?.opts ?? {}, d, receipt.publisher),
        );
      // A request of the wrong shape fails in onrequest's synchronous part, so its promise is
      // already rejected here, and its handler runs before the job queued after it: the held
      // receipt says so before it goes out. One still pending by then was taken as classified.
      result.then(
        () => {
          held.settle();
          deliveries();
        },
        (err: unknown) => {
          if (held.settled) tap.tapFailed(`a request on ${name} after its receipt went out`, err);
          held.settle({ decision: 'malformed', reason: errorText(err), fatal: true });
          if (d.count > 0) deliveries();
        },
      );
      void resolved.then(() => held.settle());
      return result;
    }

    /** The checks onrequest/onresponse make before acting, read from the adapter's source. */
    classifyRequest(channel: string, value: any, undecodable: boolean): Decision {
      if (undecodable) return 'undecodable';
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
          // REMOTE_JOIN/LEAVE/DISCONNECT apply on every server, the sender included; any other
          // type is one the adapter logs and ignores.
          return REQUEST_TYPES_HANDLED.has(value.type) ? 'delivered' : 'ignored';
      }
    }
  }
  return (nsp: any) => {
    const adapter = new TappedRedisAdapter(nsp, pub, sub, { parser, key });
    instrumentAdapter(tap, adapter);
    tap.namespaceAdapter(nsp.name, adapter);
    return adapter;
  };
}
