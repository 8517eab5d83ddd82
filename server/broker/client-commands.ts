import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { setClientName } from './connection-commands.ts';
import { parseRedisInt } from './resp-request-parser.ts';
import { array, bulk, error, int, NULL, OK, simple } from './resp-encoder.ts';

const SYNTAX = 'ERR syntax error';

/** Redis's getClientType: monitors count as normal, subscribed connections as pubsub. */
function clientType(client: ClientConnection): string {
  return client.subscribed ? 'pubsub' : 'normal';
}

/** Names CLIENT LIST TYPE and CLIENT KILL TYPE accept; null for unknown. */
function typeByName(name: string): string | null {
  const t = name.toLowerCase();
  if (t === 'normal' || t === 'pubsub' || t === 'master') return t;
  if (t === 'slave' || t === 'replica') return 'replica';
  return null;
}

function list(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  let chosen = [...ctx.clients.values()];
  if (argv.length === 4 && argv[2].toString('latin1').toLowerCase() === 'type') {
    const typeName = argv[3].toString('latin1');
    const type = typeByName(typeName);
    if (type === null) {
      client.reply(error(`ERR Unknown client type '${typeName}'`));
      return;
    }
    chosen = chosen.filter((c) => clientType(c) === type);
  } else if (argv.length > 3 && argv[2].toString('latin1').toLowerCase() === 'id') {
    const ids = new Set<number>();
    for (const word of argv.slice(3)) {
      const id = parseRedisInt(word.toString('latin1'));
      if (id === null || id < 1) {
        client.reply(error('ERR Invalid client ID'));
        return;
      }
      ids.add(id);
    }
    chosen = chosen.filter((c) => ids.has(c.id));
  } else if (argv.length !== 2) {
    client.reply(error(SYNTAX));
    return;
  }
  client.reply({ t: 'verbatim', v: chosen.map((c) => `${c.describe()}\n`).join('') });
}

/** CLIENT KILL, both the old `addr:port` form and the filter form; returns nothing, replies itself. */
function kill(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const words = argv.map((b) => b.toString('latin1'));
  const victims: ClientConnection[] = [];
  if (words.length === 3) {
    const target = [...ctx.clients.values()].find((c) => c.addr === words[2]);
    if (!target) {
      client.reply(error('ERR No such client'));
      return;
    }
    client.reply(OK);
    victims.push(target);
  } else {
    if (words.length % 2 !== 0) {
      client.reply(error(SYNTAX));
      return;
    }
    const filters: ((c: ClientConnection) => boolean)[] = [];
    let skipMe = true;
    for (let i = 2; i < words.length; i += 2) {
      const opt = words[i].toLowerCase();
      const value = words[i + 1];
      if (opt === 'id') {
        const id = parseRedisInt(value);
        if (id === null || id <= 0) {
          client.reply(error('ERR client-id should be greater than 0'));
          return;
        }
        filters.push((c) => c.id === id);
      } else if (opt === 'type') {
        const type = typeByName(value);
        if (type === null) {
          client.reply(error(`ERR Unknown client type '${value}'`));
          return;
        }
        filters.push((c) => clientType(c) === type);
      } else if (opt === 'addr') {
        filters.push((c) => c.addr === value);
      } else if (opt === 'laddr') {
        filters.push((c) => c.laddr === value);
      } else if (opt === 'user') {
        if (!ctx.users.get(value)) {
          client.reply(error(`ERR No such user '${value}'`));
          return;
        }
        filters.push((c) => c.user === value);
      } else if (opt === 'skipme' && ['yes', 'no'].includes(value.toLowerCase())) {
        skipMe = value.toLowerCase() === 'yes';
      } else {
        client.reply(error(SYNTAX));
        return;
      }
    }
    for (const c of ctx.clients.values()) {
      if (skipMe && c === client) continue;
      if (filters.every((f) => f(c))) victims.push(c);
    }
    client.reply(int(victims.length));
  }
  for (const victim of victims) {
    // Killing yourself still gets the reply out first, as in Redis.
    if (victim === client) victim.closeAfterReply();
    else victim.kill('client-kill', `CLIENT KILL from client ${client.id}`);
  }
}

function setInfo(_ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const attr = argv[2].toString('latin1');
  const value = argv[3].toString('latin1');
  if (!/^[!-~]*$/.test(value)) {
    client.reply(error(`ERR ${attr} cannot contain spaces, newlines or special characters.`));
    return;
  }
  if (attr.toLowerCase() === 'lib-name') client.libName = value;
  else if (attr.toLowerCase() === 'lib-ver') client.libVer = value;
  else {
    client.reply(error(`ERR Unrecognized option '${attr}'`));
    return;
  }
  client.reply(OK);
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port> | KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options: ID, TYPE, ADDR, LADDR, USER, SKIPME.',
  'LIST [TYPE <type>] [ID <id> [...]]',
  '    Return information about client connections.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Set client library name or version.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'HELP',
  '    Print this help.',
];

const C = { group: 'connection', categories: ['@connection', '@slow'] };

export const clientCommand: CommandSpec = command(
  'client',
  -2,
  'connection',
  'A container for client connection commands.',
  {
    ...C,
    since: '2.4.0',
    subcommands: [
      command('client|setname', 3, 'connection', 'Sets the connection name.', {
        ...C,
        since: '2.6.9',
        run: (ctx, client, argv) => {
          if (setClientName(ctx, client, argv[2])) client.reply(OK);
        },
      }),
      command('client|getname', 2, 'connection', 'Returns the name of the connection.', {
        ...C,
        since: '2.6.9',
        run: (_ctx, client) => client.reply(client.name ? bulk(client.name) : NULL),
      }),
      command('client|id', 2, 'connection', 'Returns the unique client ID of the connection.', {
        ...C,
        since: '5.0.0',
        run: (_ctx, client) => client.reply(int(client.id)),
      }),
      command('client|info', 2, 'connection', 'Returns information about the connection.', {
        ...C,
        since: '6.2.0',
        run: (_ctx, client) => client.reply({ t: 'verbatim', v: `${client.describe()}\n` }),
      }),
      command('client|list', -2, 'connection', 'Lists open connections.', {
        ...C,
        flags: ['admin'],
        hiddenFromMonitor: true,
        run: list,
      }),
      command('client|kill', -3, 'connection', 'Terminates open connections.', {
        ...C,
        flags: ['admin'],
        hiddenFromMonitor: true,
        run: kill,
      }),
      command(
        'client|setinfo',
        4,
        'connection',
        'Sets information specific to the client or connection.',
        {
          ...C,
          since: '7.2.0',
          run: setInfo,
        },
      ),
      command(
        'client|help',
        2,
        'connection',
        'Returns helpful text about the different subcommands.',
        {
          ...C,
          since: '5.0.0',
          run: (_ctx, client) => client.reply(array(CLIENT_HELP.map(simple))),
        },
      ),
    ],
  },
);
