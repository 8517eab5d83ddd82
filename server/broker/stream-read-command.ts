import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { parseRedisInt } from './resp-request-parser.ts';
import { error } from './resp-encoder.ts';
import { INVALID_ID, MAX_ID, parseId, type StreamId } from './stream-id.ts';
import { streamAt, streamsReply } from './stream-replies.ts';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from './stream-trim-args.ts';
import type { StreamEntry } from './stream.ts';

const LLONG_MAX = 2n ** 63n - 1n;

/** Parsed `XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...`, or Redis's error text. */
interface ReadArgs {
  count: number;
  /** Absolute deadline in ms; 0 blocks forever; null when there is no BLOCK. */
  deadline: number | null;
  streamsAt: number;
}

function parseOptions(argv: Buffer[], now: number): ReadArgs | string {
  let count = 0;
  let deadline: number | null = null;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i].toString('latin1').toLowerCase();
    if (opt === 'block' && more > 0) {
      const text = argv[++i].toString('latin1');
      const ms = parseRedisInt(text);
      if (ms === null) return 'ERR timeout is not an integer or out of range';
      if (ms < 0) return 'ERR timeout is negative';
      if (ms > 0 && BigInt(text) > LLONG_MAX - BigInt(now)) return 'ERR timeout is out of range';
      deadline = ms > 0 ? now + ms : 0;
    } else if (opt === 'count' && more > 0) {
      const n = parseRedisInt(argv[++i].toString('latin1'));
      if (n === null) return NOT_AN_INTEGER;
      count = Math.max(0, n);
    } else if (opt === 'streams' && more > 0) {
      if ((argv.length - i - 1) % 2 !== 0) {
        return "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
      }
      return { count, deadline, streamsAt: i + 1 };
    } else if (opt === 'group' && more >= 2) {
      return 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.';
    } else if (opt === 'noack') {
      return 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.';
    } else {
      return SYNTAX_ERROR;
    }
  }
  return SYNTAX_ERROR;
}

/**
 * XREAD, Redis 7.0's way: type checks and ids stream by stream in order; `$` is the stream's
 * last id now (0-0 for a stream that does not exist yet); any stream with newer entries is
 * served at once; otherwise BLOCK waits (see BlockedReads) and no BLOCK answers null.
 */
export function xread(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const now = Date.now();
  const args = parseOptions(argv, now);
  if (typeof args === 'string') return client.reply(error(args));
  const n = (argv.length - args.streamsAt) / 2;
  const keys = argv.slice(args.streamsAt, args.streamsAt + n);
  const after: StreamId[] = [];
  for (let k = 0; k < n; k++) {
    const stream = streamAt(ctx, client, keys[k]);
    if (stream === null) return;
    const arg = argv[args.streamsAt + n + k];
    const text = arg.toString('latin1');
    if (text === '$') {
      after.push(stream?.lastId ?? 0n);
      continue;
    }
    if (text === '>') {
      return client.reply(
        error(
          'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
        ),
      );
    }
    const parsed = parseId(arg, { missingSeq: 0n, strict: true });
    if (!parsed) return client.reply(error(INVALID_ID));
    after.push(parsed.id);
  }

  const served: [Buffer, StreamEntry[]][] = [];
  for (let k = 0; k < n; k++) {
    const value = ctx.keyspace.lookup(keys[k].toString('latin1'), now);
    if (value?.type !== 'stream') continue;
    const last = value.stream.lastEntryId();
    if (last === null || last <= after[k]) continue;
    served.push([keys[k], value.stream.range(after[k] + 1n, MAX_ID, args.count)]);
  }
  if (served.length > 0) return client.reply(streamsReply(client.proto, served));
  if (args.deadline !== null && ctx.blocked.blockingAllowed) {
    ctx.blocked.block(client, keys, after, args.count, args.deadline);
    return;
  }
  client.reply({ t: 'nullArray' });
}
