import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { parseRedisInt } from './resp-request-parser.ts';
import { bulk, error, int, NULL } from './resp-encoder.ts';
import { parseBound } from './stream-id.ts';
import { entriesReply, streamAt } from './stream-replies.ts';
import { NOT_AN_INTEGER, parseAddOrTrim, SYNTAX_ERROR } from './stream-trim-args.ts';
import { xread } from './stream-read-command.ts';

/**
 * The stream commands the Redis Streams adapter sends (XADD with `MAXLEN ~`, XRANGE for
 * recovery, XREAD BLOCK for its read loop) and the few that go with them for looking at a
 * stream by hand (XLEN, XREVRANGE, XTRIM). Replies and errors follow Redis 7.0.
 */

const arity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

function xadd(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const args = parseAddOrTrim(argv, true);
  if (typeof args === 'string') return client.reply(error(args));
  const pairs = argv.length - args.fieldsAt;
  if (pairs < 2 || pairs % 2 === 1) return client.reply(error(arity('xadd')));
  if (args.id?.seqGiven && args.id.id === 0n) {
    return client.reply(error('ERR The ID specified in XADD must be greater than 0-0'));
  }
  let stream = streamAt(ctx, client, argv[1]);
  if (stream === null) return;
  if (stream === undefined) {
    if (args.noMkStream) return client.reply(NULL);
    stream = ctx.keyspace.streamFor(argv[1].toString('latin1'));
  }
  if (stream.exhausted) {
    return client.reply(
      error('ERR The stream has exhausted the last possible ID, unable to add more items'),
    );
  }
  const added = stream.append(argv.slice(args.fieldsAt), args.id, Date.now());
  if (added === 'id-too-small') {
    return client.reply(
      error('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
    );
  }
  if (added === 'too-large') return client.reply(error('ERR Elements are too large to be stored'));
  client.reply(bulk(added.idText));
  if (args.trim) stream.trim(args.trim);
  if (ctx.blocked.count !== 0) ctx.blocked.keyChanged(argv[1].toString('latin1'));
}

function xtrim(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const args = parseAddOrTrim(argv, false);
  if (typeof args === 'string') return client.reply(error(args));
  const stream = streamAt(ctx, client, argv[1]);
  if (stream === null) return;
  client.reply(int(stream && args.trim ? stream.trim(args.trim) : 0));
}

function xlen(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const stream = streamAt(ctx, client, argv[1]);
  if (stream !== null) client.reply(int(stream?.length ?? 0));
}

/** XRANGE key start end [COUNT n], and XREVRANGE key end start [COUNT n]. */
function range(rev: boolean) {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void => {
    const start = parseBound(rev ? argv[3] : argv[2], false);
    if ('error' in start) return client.reply(error(start.error));
    const end = parseBound(rev ? argv[2] : argv[3], true);
    if ('error' in end) return client.reply(error(end.error));
    let count = -1;
    for (let j = 4; j < argv.length; j++) {
      if (argv[j].toString('latin1').toLowerCase() !== 'count' || j + 1 >= argv.length) {
        return client.reply(error(SYNTAX_ERROR));
      }
      const n = parseRedisInt(argv[++j].toString('latin1'));
      if (n === null) return client.reply(error(NOT_AN_INTEGER));
      count = Math.max(0, n);
    }
    const stream = streamAt(ctx, client, argv[1]);
    if (stream === null) return;
    if (stream === undefined) return client.reply(entriesReply([]));
    // COUNT 0 (or negative) answers a null array, not an empty one: Redis's own quirk.
    if (count === 0) return client.reply({ t: 'nullArray' });
    client.reply(entriesReply(stream.range(start.id, end.id, Math.max(count, 0), rev)));
  };
}

const S = { group: 'stream', since: '5.0.0', keys: [1, 1, 1] as [number, number, number] };

export const streamCommands: CommandSpec[] = [
  command('xadd', -5, 'stream', 'Appends a new message to a stream. Creates the key if needed.', {
    ...S,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['@write', '@stream', '@fast'],
    run: xadd,
  }),
  command('xrange', -4, 'stream', 'Returns the messages from a stream within a range of IDs.', {
    ...S,
    flags: ['readonly'],
    categories: ['@read', '@stream', '@slow'],
    run: range(false),
  }),
  command(
    'xrevrange',
    -4,
    'stream',
    'Returns the messages from a stream within a range of IDs in reverse order.',
    { ...S, flags: ['readonly'], categories: ['@read', '@stream', '@slow'], run: range(true) },
  ),
  command('xlen', 2, 'stream', 'Return the number of messages in a stream.', {
    ...S,
    flags: ['readonly', 'fast'],
    categories: ['@read', '@stream', '@fast'],
    run: xlen,
  }),
  command('xtrim', -4, 'stream', 'Deletes messages from the beginning of a stream.', {
    ...S,
    since: '5.0.0',
    flags: ['write'],
    categories: ['@write', '@stream', '@slow'],
    run: xtrim,
  }),
  command(
    'xread',
    -4,
    'stream',
    'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.',
    {
      ...S,
      keys: [0, 0, 0],
      flags: ['readonly', 'blocking', 'movablekeys'],
      categories: ['@read', '@stream', '@slow', '@blocking'],
      run: xread,
    },
  ),
];
