/**
 * The real adapters, guarded, for a lab whose monitor is off (`--monitor off`). Anyone who can
 * reach Redis can publish on an adapter's channels, and @socket.io/redis-adapter 8.3 does not
 * catch what arrives there: the classic adapter's `onmessage` decodes without try/catch, its
 * async `onrequest` rejects on a request of the wrong shape, and the sharded adapter's
 * ClusterAdapter `onMessage` reads a message's fields without a check. Each ends a plain server
 * (tests/support/hostile-messages.ts lists them). With the monitor on, the tap's hooks catch
 * these and report them (server/monitor/tap-classic.ts, tap-sharded.ts); with it off, these
 * wrappers catch them and say so in the log. Well-formed messages go through the adapter's own
 * methods unchanged.
 */
import { createShardedAdapter, RedisAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { SubscriptionMode } from '../../trace/events.ts';
import { errorText } from '../monitor/decode.ts';
import type { AdapterFactory } from './server-mode.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the guards reach methods the adapters' types keep private */

/** Says that a message was dropped: `channel` it came on, `err` what the adapter threw. */
export type OnDropped = (channel: string, err: unknown) => void;

/** How often a server says it dropped messages: a flood of them is one line per window. */
const LOG_EVERY_MS = 5000;

/**
 * One log line per server per LOG_EVERY_MS for dropped messages, with how many more were
 * dropped since the last line.
 */
export function droppedLogger(server: string, log: (line: string) => void): OnDropped {
  let last = -Infinity;
  let since = 0;
  return (channel, err) => {
    const now = Date.now();
    if (now - last < LOG_EVERY_MS) {
      since += 1;
      return;
    }
    const more = since > 0 ? ` (and ${since} more since the last such line)` : '';
    last = now;
    since = 0;
    log(
      `${server} dropped a message on ${channel} that its adapter could not handle (${errorText(err)})${more}; a plain server with the same adapter would have crashed.`,
    );
  };
}

/** Calls `handle`, catching a throw and a rejected promise alike. */
function guarded(channel: unknown, onDropped: OnDropped, handle: () => unknown): unknown {
  try {
    const result = handle();
    if (result instanceof Promise) return result.catch((err) => onDropped(String(channel), err));
    return result;
  } catch (err) {
    onDropped(String(channel), err);
    return undefined;
  }
}

/**
 * The classic adapter. Its constructor binds `onmessage` and `onrequest` to its Redis listeners,
 * so the guard is a subclass: the bound methods are the subclass's.
 */
export function guardedClassic(
  pub: Redis,
  sub: Redis,
  key: string | undefined,
  onDropped: OnDropped,
): AdapterFactory {
  const Base = RedisAdapter as unknown as new (...args: any[]) => any;
  class GuardedRedisAdapter extends Base {
    onmessage(pattern: string | null, channel: Buffer | string, msg: Buffer) {
      return guarded(channel, onDropped, () => super.onmessage(pattern, channel, msg));
    }

    onrequest(channel: Buffer | string, msg: Buffer) {
      return guarded(channel, onDropped, () => super.onrequest(channel, msg));
    }
  }
  // socket.io calls the factory with `new`: a function, not an arrow.
  return function (nsp: any) {
    return new GuardedRedisAdapter(nsp, pub, sub, key ? { key } : {});
  };
}

/**
 * The sharded adapter. Its class is not exported, but its Redis listener calls
 * `this.onRawMessage`, so each instance's method is wrapped.
 */
export function guardedSharded(
  pub: Redis,
  sub: Redis,
  opts: { mode?: SubscriptionMode; key?: string },
  onDropped: OnDropped,
): AdapterFactory {
  const make = createShardedAdapter(pub, sub, {
    subscriptionMode: opts.mode ?? 'dynamic',
    ...(opts.key ? { channelPrefix: opts.key } : {}),
  }) as unknown as AdapterFactory;
  return function (nsp: any) {
    const adapter = make(nsp);
    const onRawMessage = adapter.onRawMessage;
    adapter.onRawMessage = function (raw: Buffer, channel: Buffer | string) {
      return guarded(channel, onDropped, () => onRawMessage.call(this, raw, channel));
    };
    return adapter;
  };
}
