import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { WRONGTYPE, type KeyValue } from './keyspace.ts';
import { parseRedisInt } from './resp-request-parser.ts';
import { array, bulk, error, int, NULL, OK, simple } from './resp-encoder.ts';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from './stream-trim-args.ts';

/**
 * Plain keys, for the session store of the Redis Streams adapter: it saves each disconnected
 * socket's session with `SET key value PX ms` and takes it back with MULTI, GET, DEL, EXEC.
 * The rest (TTL, TYPE, KEYS ...) is what you need to look at those keys by hand.
 */

const LLONG_MAX = 2n ** 63n - 1n;

/** The string at `key`: undefined when missing, null after replying WRONGTYPE. */
function stringAt(ctx: BrokerContext, client: ClientConnection, key: Buffer) {
  const value = ctx.keyspace.lookup(key.toString('latin1'));
  if (value === undefined || value.type === 'string') return value;
  client.reply(error(WRONGTYPE));
  return null;
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  /** EX, PX, EXAT or PXAT, with its argument. */
  expire: { unit: 'ex' | 'px' | 'exat' | 'pxat'; arg: Buffer } | null;
}

/** Redis 7.0's parseExtendedStringArgumentsOrReply for SET: each option may repeat, none may clash. */
function parseSetOptions(argv: Buffer[]): SetOptions | string {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expire: null };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toString('latin1').toLowerCase();
    const hasNext = j < argv.length - 1;
    if (opt === 'nx' && !o.xx) o.nx = true;
    else if (opt === 'xx' && !o.nx) o.xx = true;
    else if (opt === 'get') o.get = true;
    else if (opt === 'keepttl' && !o.expire) o.keepTtl = true;
    else if (
      (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') &&
      !o.keepTtl &&
      (!o.expire || o.expire.unit === opt) &&
      hasNext
    ) {
      o.expire = { unit: opt, arg: argv[++j] };
    } else return SYNTAX_ERROR;
  }
  return o;
}

/** The absolute expiry time in ms for SET's EX/PX/EXAT/PXAT, or Redis's error text. */
function expiryTime(expire: NonNullable<SetOptions['expire']>, now: number): number | string {
  const text = expire.arg.toString('latin1');
  if (parseRedisInt(text) === null) return NOT_AN_INTEGER;
  const invalid = "ERR invalid expire time in 'set' command";
  let ms = BigInt(text);
  const seconds = expire.unit === 'ex' || expire.unit === 'exat';
  if (ms <= 0n || (seconds && ms > LLONG_MAX / 1000n)) return invalid;
  if (seconds) ms *= 1000n;
  if (expire.unit === 'ex' || expire.unit === 'px') ms += BigInt(now);
  if (ms > LLONG_MAX) return invalid;
  return Number(ms);
}

function set(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const o = parseSetOptions(argv);
  if (typeof o === 'string') return client.reply(error(o));
  const now = Date.now();
  const expiresAt = o.expire ? expiryTime(o.expire, now) : null;
  if (typeof expiresAt === 'string') return client.reply(error(expiresAt));
  const key = argv[1].toString('latin1');
  let old: KeyValue | undefined | null;
  if (o.get) {
    old = stringAt(ctx, client, argv[1]);
    if (old === null) return;
    client.reply(old ? bulk(old.value) : NULL);
  } else {
    old = ctx.keyspace.lookup(key, now);
  }
  if ((o.nx && old !== undefined) || (o.xx && old === undefined)) {
    if (!o.get) client.reply(NULL);
    return;
  }
  ctx.keyspace.set(key, { type: 'string', value: argv[2] }, o.keepTtl ? 'keep' : expiresAt);
  if (!o.get) client.reply(OK);
}

function get(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const value = stringAt(ctx, client, argv[1]);
  if (value !== null) client.reply(value ? bulk(value.value) : NULL);
}

function getdel(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const value = stringAt(ctx, client, argv[1]);
  if (value === null) return;
  if (value) ctx.keyspace.delete(argv[1].toString('latin1'));
  client.reply(value ? bulk(value.value) : NULL);
}

/** DEL counts keys removed; EXISTS counts keys named that exist, repeats included. */
function countKeys(del: boolean) {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void => {
    let n = 0;
    for (const arg of argv.slice(1)) {
      const key = arg.toString('latin1');
      if (ctx.keyspace.lookup(key) === undefined) continue;
      if (del) ctx.keyspace.delete(key);
      n++;
    }
    client.reply(int(n));
  };
}

/** TTL rounds to the nearest second, as Redis does; -2 for no key, -1 for no expiry. */
function ttl(unit: 'ms' | 's') {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void => {
    const key = argv[1].toString('latin1');
    const now = Date.now();
    if (ctx.keyspace.lookup(key, now) === undefined) return client.reply(int(-2));
    const left = ctx.keyspace.timeToLive(key, now);
    if (left === null) return client.reply(int(-1));
    client.reply(int(unit === 'ms' ? left : Math.floor((left + 500) / 1000)));
  };
}

const K = { group: 'keyspace', since: '1.0.0', keys: [1, 1, 1] as [number, number, number] };
const STR = { ...K, group: 'string' };
const RO = ['readonly', 'fast'];

export const keyCommands: CommandSpec[] = [
  command('get', 2, 'string', 'Returns the string value of a key.', {
    ...STR,
    flags: RO,
    categories: ['@read', '@string', '@fast'],
    run: get,
  }),
  command('set', -3, 'string', 'Sets the string value of a key, ignoring its type.', {
    ...STR,
    flags: ['write', 'denyoom'],
    categories: ['@write', '@string', '@slow'],
    run: set,
  }),
  command('getdel', 2, 'string', 'Returns the string value of a key after deleting the key.', {
    ...STR,
    since: '6.2.0',
    flags: ['write', 'fast'],
    categories: ['@write', '@string', '@fast'],
    run: getdel,
  }),
  command('del', -2, 'keyspace', 'Deletes one or more keys.', {
    ...K,
    keys: [1, -1, 1],
    flags: ['write'],
    categories: ['@keyspace', '@write', '@slow'],
    run: countKeys(true),
  }),
  command('exists', -2, 'keyspace', 'Determines whether one or more keys exist.', {
    ...K,
    since: '1.0.0',
    keys: [1, -1, 1],
    flags: RO,
    categories: ['@keyspace', '@read', '@fast'],
    run: countKeys(false),
  }),
  command('type', 2, 'keyspace', 'Determines the type of value stored at a key.', {
    ...K,
    flags: RO,
    categories: ['@keyspace', '@read', '@fast'],
    run: (ctx, client, argv) =>
      client.reply(simple(ctx.keyspace.lookup(argv[1].toString('latin1'))?.type ?? 'none')),
  }),
  command('ttl', 2, 'keyspace', 'Returns the expiration time in seconds of a key.', {
    ...K,
    flags: RO,
    categories: ['@keyspace', '@read', '@fast'],
    run: ttl('s'),
  }),
  command('pttl', 2, 'keyspace', 'Returns the expiration time in milliseconds of a key.', {
    ...K,
    since: '2.6.0',
    flags: RO,
    categories: ['@keyspace', '@read', '@fast'],
    run: ttl('ms'),
  }),
  command('keys', 2, 'keyspace', 'Returns all key names that match a pattern.', {
    ...K,
    keys: [0, 0, 0],
    flags: ['readonly'],
    categories: ['@keyspace', '@read', '@slow', '@dangerous'],
    run: (ctx, client, argv) =>
      client.reply(
        array(
          ctx.keyspace.keys(argv[1].toString('latin1')).map((k) => bulk(Buffer.from(k, 'latin1'))),
        ),
      ),
  }),
];
