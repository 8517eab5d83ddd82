import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { parseRedisInt } from './resp-request-parser.ts';
import { array, bulk, error, int, OK, simple, type Reply } from './resp-encoder.ts';

/** The version clients see: 7.x, so version checks for sharded pub/sub (Redis >= 7) pass. */
export const BROKER_REDIS_VERSION = '7.2.0';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const BAD_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Redis accepts names made of printable ASCII other than space; empty clears the name. */
export function validClientName(name: Buffer): boolean {
  return name.every((c) => c >= 0x21 && c <= 0x7e);
}

/** Sets the name or replies Redis's error; true when it was set. */
export function setClientName(ctx: BrokerContext, client: ClientConnection, name: Buffer): boolean {
  if (!validClientName(name)) {
    client.reply(error(BAD_NAME));
    return false;
  }
  client.name = name.toString('latin1');
  // Subscription tables show names, so a rename changes what the lab displays.
  if (client.subscribed) ctx.emit({ type: 'subscriptions-changed' });
  return true;
}

/** Logs the client in as `user` if the password is right; false (and no change) if not. */
function logIn(ctx: BrokerContext, client: ClientConnection, user: string, pass: string): boolean {
  if (!ctx.users.check(user, pass)) return false;
  client.authenticated = true;
  client.user = user;
  return true;
}

function ping(_ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  if (argv.length > 2) {
    client.reply(error("ERR wrong number of arguments for 'ping' command"));
  } else if (client.subscribed && client.proto === 2) {
    // RESP2 subscriber mode can only carry arrays, so Redis answers with one.
    client.reply(array([bulk('pong'), bulk(argv[1] ?? '')]));
  } else {
    client.reply(argv.length === 1 ? simple('PONG') : bulk(argv[1]));
  }
}

function helloReply(client: ClientConnection): Reply {
  return {
    t: 'map',
    v: [
      [bulk('server'), bulk('redis')],
      [bulk('version'), bulk(BROKER_REDIS_VERSION)],
      [bulk('proto'), int(client.proto)],
      [bulk('id'), int(client.id)],
      [bulk('mode'), bulk('standalone')],
      [bulk('role'), bulk('master')],
      [bulk('modules'), array([])],
    ],
  };
}

function hello(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  let version: number | null = null;
  if (argv.length >= 2) {
    version = parseRedisInt(argv[1].toString('latin1'));
    if (version === null) {
      client.reply(error('ERR Protocol version is not an integer or out of range'));
      return;
    }
    if (version < 2 || version > 3) {
      client.reply(error('NOPROTO unsupported protocol version'));
      return;
    }
  }
  let auth: [string, string] | null = null;
  let name: Buffer | null = null;
  for (let j = 2; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toString('latin1');
    if (opt.toLowerCase() === 'auth' && more >= 2) {
      auth = [argv[j + 1].toString('latin1'), argv[j + 2].toString('latin1')];
      j += 2;
    } else if (opt.toLowerCase() === 'setname' && more >= 1) {
      name = argv[j + 1];
      j++;
    } else {
      client.reply(error(`ERR Syntax error in HELLO option '${opt}'`));
      return;
    }
  }
  if (auth && !logIn(ctx, client, ...auth)) {
    client.reply(error(WRONGPASS));
    return;
  }
  if (!client.authenticated) {
    client.reply(
      error(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      ),
    );
    return;
  }
  if (name && !setClientName(ctx, client, name)) return;
  if (version !== null) client.proto = version as 2 | 3;
  client.reply(helloReply(client));
}

function auth(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  if (argv.length > 3) {
    client.reply(error('ERR syntax error'));
    return;
  }
  if (argv.length === 2 && ctx.users.get('default')!.nopass) {
    client.reply(
      error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      ),
    );
    return;
  }
  const [user, pass] =
    argv.length === 2 ? ['default', argv[1]] : [argv[1].toString('latin1'), argv[2]];
  if (!logIn(ctx, client, user, pass.toString('latin1'))) {
    client.reply(error(WRONGPASS));
    return;
  }
  client.reply(OK);
}

function select(_ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const db = parseRedisInt(argv[1].toString('latin1'));
  if (db === null || db > 2 ** 31 - 1 || db < -(2 ** 31)) {
    client.reply(error('ERR value is not an integer or out of range'));
  } else if (db !== 0) {
    // Pub/sub ignores databases; the broker has just one so nobody expects keys to be there.
    client.reply(error('ERR DB index is out of range'));
  } else {
    client.reply(OK);
  }
}

/** RESET: back to a fresh connection, subscriptions dropped without unsubscribe pushes. */
function reset(ctx: BrokerContext, client: ClientConnection): void {
  if (client.subscribed) {
    ctx.registry.removeAll(client);
    ctx.emit({ type: 'subscriptions-changed' });
  }
  client.monitor = false;
  ctx.monitors.delete(client);
  client.proto = 2;
  client.name = '';
  client.user = 'default';
  client.authenticated = ctx.users.defaultOpen;
  client.reply(simple('RESET'));
}

function monitor(ctx: BrokerContext, client: ClientConnection): void {
  // Redis ignores a second MONITOR on the same connection without replying.
  if (client.monitor) return;
  client.monitor = true;
  ctx.monitors.add(client);
  client.reply(OK);
}

const CONN = { group: 'connection', categories: ['@connection'] };

export const connectionCommands: CommandSpec[] = [
  command('ping', -1, 'connection', "Returns the server's liveliness response.", {
    ...CONN,
    flags: ['fast'],
    subscriberSafe: true,
    run: ping,
  }),
  command('echo', 2, 'connection', 'Returns the given string.', {
    ...CONN,
    flags: ['fast'],
    run: (_ctx, client, argv) => client.reply(bulk(argv[1])),
  }),
  command('hello', -1, 'connection', 'Handshakes with the Redis server.', {
    ...CONN,
    since: '6.0.0',
    flags: ['noauth', 'fast'],
    run: hello,
  }),
  command('auth', -2, 'connection', 'Authenticates the connection.', {
    ...CONN,
    flags: ['noauth', 'fast'],
    run: auth,
  }),
  command('select', 2, 'connection', 'Changes the selected database.', {
    ...CONN,
    flags: ['fast'],
    run: select,
  }),
  command('quit', -1, 'connection', 'Closes the connection.', {
    ...CONN,
    flags: ['noauth', 'fast'],
    subscriberSafe: true,
    run: (_ctx, client) => {
      client.reply(OK);
      client.closeAfterReply();
    },
  }),
  command('reset', 1, 'connection', 'Resets the connection.', {
    ...CONN,
    since: '6.2.0',
    flags: ['noauth', 'fast'],
    subscriberSafe: true,
    run: reset,
  }),
  command('monitor', 1, 'server', 'Listens for all requests received by the server in real-time.', {
    flags: ['admin'],
    categories: ['@admin', '@slow', '@dangerous'],
    hiddenFromMonitor: true,
    run: monitor,
  }),
];
