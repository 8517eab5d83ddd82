/**
 * `--adapter streams`: @socket.io/redis-streams-adapter (`createAdapter(redis)`). A broadcast is
 * an entry appended to a Redis stream with XADD; every server reads the stream from its last
 * entry id with XREAD BLOCK, on a connection of its own. The stream keeps the last `maxLen`
 * entries (about: MAXLEN ~ trims whole nodes), so a server cut off from Redis reads what it
 * missed when it is back, and with connection state recovery a client that comes back within
 * maxDisconnectionDuration is sent what it missed. Requests and their answers still go over
 * pub/sub. docs/streams.md has what the adapter does, read in its dist/adapter.js.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { baseOptions, labConnectionName } from '../redis-clients.ts';
import { streamsHooks } from '../monitor/tap-streams.ts';
import { monitorAware } from '../monitor/tapped-adapters.ts';
import {
  need,
  type AdapterFactory,
  type ModeContext,
  type RedisConnections,
  type ServerMode,
} from './server-mode.ts';

/**
 * Small enough that a lesson can show the stream trimmed (MAXLEN ~ drops whole nodes of 100
 * entries), large enough that a client away for a minute of chat still finds its offset.
 */
export const STREAM_MAX_LEN = 1000;
/** How long a client may be away and still be sent what it missed (socket.io's default too). */
export const MAX_DISCONNECTION_MS = 2 * 60 * 1000;
/** After a failed XREAD the adapter reads again at once; this is how long the lab makes it wait. */
const XREAD_RETRY_MS = 100;

/** The stream, channels and session keys of a lab with prefix `key` (each lab has its own). */
export function streamNames(key = 'socket.io') {
  return {
    streamName: key,
    channelPrefix: key,
    sessionKeyPrefix: key === 'socket.io' ? 'sio:session:' : `${key}:session:`,
  };
}

/**
 * The adapter's reading loop (`startPolling`) calls XREAD again as soon as one fails, in a chain
 * of promise callbacks. On a connection that fails at once (no offline queue, or closed for good
 * by a crash that never closed the adapter) that chain never yields, and the whole process stops:
 * its timers no longer fire. So a failed XREAD fails only after a timer, and one on a connection
 * that has ended never settles, which ends the loop with the connection.
 */
export function guardReader(reader: Redis): void {
  // Closed by the lab (or the adapter): ioredis may still say 'reconnecting' then, if it was.
  let closed = false;
  const disconnect = reader.disconnect.bind(reader);
  reader.disconnect = (reconnect?: boolean) => {
    if (!reconnect) closed = true;
    disconnect(reconnect);
  };
  const quit = reader.quit.bind(reader);
  reader.quit = (...args: Parameters<Redis['quit']>) => {
    closed = true;
    return quit(...args);
  };
  const target = reader as unknown as { xread: (...args: unknown[]) => Promise<unknown> };
  const xread = target.xread;
  target.xread = (...args: unknown[]) => {
    if (closed || reader.status === 'end') return new Promise<never>(() => undefined);
    return xread
      .apply(reader, args)
      .catch(
        (err: unknown) =>
          new Promise((_, reject) => setTimeout(() => reject(err as Error), XREAD_RETRY_MS)),
      );
  };
}

function connect(url: string, id: string, protocol: 2 | 3, lab?: string): RedisConnections {
  // Unlike the pub/sub modes, the offline queue stays on: the adapter awaits the XADD before it
  // delivers a broadcast even locally, and a broadcast made while Redis is away then waits and
  // is appended when it is back (a stream keeps it; a PUBLISH would have nobody to give it to).
  // replyMapping stays 'legacy' (ioredis 6's default, said here because it matters): under RESP3
  // 'resp3' makes XREAD answer a map, the adapter's loop throws on every read, and every
  // message is dropped without a word.
  const pub = new Redis(url, {
    ...baseOptions(labConnectionName(`${id}:pub`, lab)),
    protocol,
    replyMapping: 'legacy',
  });
  const sub = pub.duplicate({ connectionName: labConnectionName(`${id}:sub`, lab) });
  // XREAD BLOCK holds its connection for up to blockTimeInMs: it gets one of its own.
  const reader = pub.duplicate({ connectionName: labConnectionName(`${id}:xread`, lab) });
  guardReader(reader);
  return { pub, sub, reader };
}

/**
 * createAdapter duplicates the client it is given, at once: first for XREAD, then for SUBSCRIBE.
 * It is handed the lab's own named connections instead, so the lab can watch, cut and close them.
 */
function create(conns: RedisConnections | null, { key }: ModeContext): AdapterFactory {
  const { pub, sub, reader } = need(conns);
  const copies = [reader!, sub];
  const duplicate = pub.duplicate;
  pub.duplicate = () => {
    const next = copies.shift();
    if (!next) throw new Error('the streams adapter asked for a third connection');
    return next;
  };
  try {
    return createAdapter(pub, { ...streamNames(key), maxLen: STREAM_MAX_LEN });
  } finally {
    pub.duplicate = duplicate;
  }
}

export const streamsMode: ServerMode = {
  id: 'streams',
  // XADD and XREAD came with Redis 5.
  minRedisMajor: 5,
  // On a Redis Cluster the stream is one key, so it lives on the master that owns its slot
  // (server/redis-cluster/cluster-clients.ts makes the three connections there).
  cluster: true,
  family: 'sharded',
  serverOptions: {
    // skipMiddlewares false: a recovered socket goes through the servers' middlewares again
    // (flood limits, the classroom's checks), as a new one would.
    connectionStateRecovery: {
      maxDisconnectionDuration: MAX_DISCONNECTION_MS,
      skipMiddlewares: false,
    },
  },
  connect,
  create,
  tapped(tap, conns, ctx) {
    const stream = streamNames(ctx.key).streamName;
    tap.stream = { name: stream, maxLen: STREAM_MAX_LEN };
    const { pub, sub } = need(conns);
    const hook = streamsHooks(tap, { stream, sub, pub });
    const make = create(conns, ctx);
    return monitorAware((nsp) => hook(make(nsp)));
  },
  wire: (key) => {
    const { streamName, channelPrefix, sessionKeyPrefix } = streamNames(key);
    return {
      commands: [
        `pub: XADD ${streamName} MAXLEN ~ ${STREAM_MAX_LEN} * uid nsp type data; PUBLISH (requests); SET PX, MULTI GET DEL EXEC, XRANGE (sessions); PUBSUB NUMSUB`,
        'xread: XREAD BLOCK 5000 COUNT 100 STREAMS <stream> <last id>',
        'sub: SUBSCRIBE',
      ],
      channels: [`${channelPrefix}#<nsp>#`, `${channelPrefix}#<nsp>#<uid>#`],
      keys: [streamName, `${sessionKeyPrefix}<pid>`],
    };
  },
  hooks: [
    'onRawMessage, onMessage and restoreSession, replaced on each instance (its class is not exported): receipts with entry ids, decisions, recovered sessions (tap-streams.ts)',
    "the client's duplicate(), while createAdapter runs: the lab's own named XREAD and SUBSCRIBE connections",
    'Adapter.prototype.apply and broadcast, on the instance: deliveries (tapped-adapters.ts)',
    'ioredis xadd, publish and send_command on pub, xrange for the flows of replayed entries, messageBuffer on sub (redis-tap.ts)',
  ],
};
