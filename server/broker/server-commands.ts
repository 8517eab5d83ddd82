import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { BROKER_REDIS_VERSION } from './connection-commands.ts';
import { array, bulk, int, simple, type Reply } from './resp-encoder.ts';

/** Stays the same for the life of the process, like Redis's run_id. */
const RUN_ID = randomBytes(20).toString('hex');

type InfoSection = [string, (ctx: BrokerContext) => [string, string | number][]];

const SECTIONS: InfoSection[] = [
  [
    'Server',
    (ctx) => [
      ['redis_version', BROKER_REDIS_VERSION],
      // Said plainly, so nobody mistakes this for a general Redis: it does what the adapters use.
      ['server_name', 'fanout-lab-embedded-broker'],
      [
        'server_description',
        'Fanout Lab embedded broker: Redis pub/sub, plus the streams and keys of the streams adapter',
      ],
      ['redis_mode', 'standalone'],
      ['os', `${os.type()} ${os.release()} ${os.arch()}`],
      ['arch_bits', 64],
      ['process_id', process.pid],
      ['run_id', RUN_ID],
      ['tcp_port', ctx.port],
      ['server_time_usec', Date.now() * 1000],
      ['uptime_in_seconds', Math.floor((Date.now() - ctx.startedAt) / 1000)],
      ['uptime_in_days', Math.floor((Date.now() - ctx.startedAt) / 86_400_000)],
      ['node_version', process.version],
    ],
  ],
  [
    'Clients',
    (ctx) => [
      ['connected_clients', ctx.clients.size],
      ['cluster_connections', 0],
      ['maxclients', 10000],
      ['blocked_clients', ctx.blocked.count],
      ['pubsub_clients', [...ctx.clients.values()].filter((c) => c.subscribed).length],
      ['monitor_clients', ctx.monitors.size],
    ],
  ],
  ['Persistence', () => [['loading', 0]]],
  [
    'Stats',
    (ctx) => [
      ['total_connections_received', ctx.stats.connectionsReceived],
      ['total_commands_processed', ctx.stats.commandsProcessed],
      ['pubsub_channels', ctx.registry.names('channels').length],
      ['pubsub_patterns', ctx.registry.patternCount()],
      ['pubsubshard_channels', ctx.registry.names('shardChannels').length],
    ],
  ],
  [
    'Keyspace',
    (ctx) =>
      ctx.keyspace.size === 0
        ? []
        : [['db0', `keys=${ctx.keyspace.size},expires=${ctx.keyspace.expiringCount},avg_ttl=0`]],
  ],
];

/** INFO [section ...]: unknown sections give nothing, as in Redis. */
export function infoText(ctx: BrokerContext, requested: string[]): string {
  const wanted = new Set(requested.map((s) => s.toLowerCase()));
  const all = wanted.size === 0 || ['all', 'default', 'everything'].some((s) => wanted.has(s));
  return SECTIONS.filter(([name]) => all || wanted.has(name.toLowerCase()))
    .map(
      ([name, fields]) =>
        `# ${name}\r\n` +
        fields(ctx)
          .map(([k, v]) => `${k}:${v}\r\n`)
          .join(''),
    )
    .join('\r\n');
}

/** One COMMAND INFO entry in Redis 7's ten-field shape (key specs left empty). */
function commandInfo(spec: CommandSpec): Reply {
  const [first, last, step] = spec.keys ?? [0, 0, 0];
  return array([
    bulk(spec.name),
    int(spec.arity),
    { t: 'set', v: spec.flags.map(simple) },
    int(first),
    int(last),
    int(step),
    { t: 'set', v: spec.categories.map(simple) },
    array([]),
    array([]),
    array((spec.subcommands ?? []).map(commandInfo)),
  ]);
}

function commandDoc(spec: CommandSpec): Reply {
  const fields: [Reply, Reply][] = [
    [bulk('summary'), bulk(spec.summary)],
    [bulk('since'), bulk(spec.since)],
    [bulk('group'), bulk(spec.group)],
  ];
  if (spec.subcommands) {
    fields.push([
      bulk('subcommands'),
      { t: 'map', v: spec.subcommands.map((s) => [bulk(s.name), commandDoc(s)]) },
    ]);
  }
  return { t: 'map', v: fields };
}

/** COMMAND with its subcommands, answering from the broker's own table. */
export function introspectionCommands(table: () => CommandSpec[]): CommandSpec[] {
  const find = (name: Buffer) =>
    table().find((s) => s.name === name.toString('latin1').toLowerCase());
  const S = { group: 'server', categories: ['@connection', '@slow'] };
  return [
    command('info', -1, 'server', 'Returns information and statistics about the server.', {
      ...S,
      run: (ctx, client: ClientConnection, argv) =>
        client.reply({
          t: 'verbatim',
          v: infoText(
            ctx,
            argv.slice(1).map((b) => b.toString('latin1')),
          ),
        }),
    }),
    command('command', -1, 'server', 'Returns detailed information about all commands.', {
      ...S,
      since: '2.8.13',
      run: (_ctx, client) => client.reply(array(table().map(commandInfo))),
      subcommands: [
        command('command|count', 2, 'server', 'Returns a count of commands.', {
          ...S,
          run: (_ctx, client) => client.reply(int(table().length)),
        }),
        command(
          'command|info',
          -2,
          'server',
          'Returns information about one, multiple or all commands.',
          {
            ...S,
            run: (_ctx, client, argv) => {
              const specs = argv.length > 2 ? argv.slice(2).map(find) : table();
              client.reply(array(specs.map((s) => (s ? commandInfo(s) : { t: 'nullArray' }))));
            },
          },
        ),
        command(
          'command|docs',
          -2,
          'server',
          'Returns documentary information about one, multiple or all commands.',
          {
            ...S,
            since: '7.0.0',
            run: (_ctx, client, argv) => {
              const specs = argv.length > 2 ? argv.slice(2).map(find) : table();
              const known = specs.filter((s): s is CommandSpec => s !== undefined);
              client.reply({ t: 'map', v: known.map((s) => [bulk(s.name), commandDoc(s)]) });
            },
          },
        ),
        command('command|list', -2, 'server', 'Returns a list of command names.', {
          ...S,
          since: '7.0.0',
          run: (_ctx, client) => client.reply(array(table().map((s) => bulk(s.name)))),
        }),
      ],
    }),
  ];
}
