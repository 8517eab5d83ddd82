import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import type { SubscriptionKind } from './pubsub-registry.ts';
import { array, bulk, error, int, NULL, push, simple, type Reply } from './resp-encoder.ts';

/** Reply names and counts for each family: SSUBSCRIBE counts only shard channels (Redis 7.0). */
const FAMILIES = {
  channels: { sub: 'subscribe', unsub: 'unsubscribe' },
  patterns: { sub: 'psubscribe', unsub: 'punsubscribe' },
  shardChannels: { sub: 'ssubscribe', unsub: 'sunsubscribe' },
} as const;

function countFor(client: ClientConnection, kind: SubscriptionKind): number {
  return kind === 'shardChannels'
    ? client.subscriptions.shardChannels.size
    : client.channelAndPatternCount;
}

function subscribe(kind: SubscriptionKind) {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]) => {
    let changed = false;
    for (const name of argv.slice(1)) {
      changed = ctx.registry.add(kind, client, name.toString('latin1')) || changed;
      client.reply(push([bulk(FAMILIES[kind].sub), bulk(name), int(countFor(client, kind))]));
    }
    if (changed) ctx.emit({ type: 'subscriptions-changed' });
  };
}

function unsubscribe(kind: SubscriptionKind) {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]) => {
    const verb = FAMILIES[kind].unsub;
    const names =
      argv.length > 1
        ? argv.slice(1).map((b) => b.toString('latin1'))
        : [...client.subscriptions[kind]];
    if (names.length === 0) {
      client.reply(push([bulk(verb), NULL, int(countFor(client, kind))]));
      return;
    }
    let changed = false;
    for (const name of names) {
      changed = ctx.registry.remove(kind, client, name) || changed;
      client.reply(
        push([bulk(verb), bulk(Buffer.from(name, 'latin1')), int(countFor(client, kind))]),
      );
    }
    if (changed) ctx.emit({ type: 'subscriptions-changed' });
  };
}

const names = (list: string[]): Reply => array(list.map((n) => bulk(Buffer.from(n, 'latin1'))));

function countsFor(ctx: BrokerContext, kind: SubscriptionKind, argv: Buffer[]): Reply {
  const out: Reply[] = [];
  for (const ch of argv.slice(2))
    out.push(bulk(ch), int(ctx.registry.count(kind, ch.toString('latin1'))));
  return array(out);
}

/** CHANNELS and SHARDCHANNELS take an optional pattern; more words is Redis's syntax error. */
function listChannels(kind: 'channels' | 'shardChannels') {
  return (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]) => {
    if (argv.length > 3) {
      const sub = argv[1].toString('latin1').slice(0, 128);
      client.reply(
        error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try PUBSUB HELP.`),
      );
      return;
    }
    client.reply(names(ctx.registry.names(kind, argv[2]?.toString('latin1'))));
  };
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

const PS = { group: 'pubsub', flags: ['pubsub'], categories: ['@pubsub'] };
const SUB = { ...PS, subscriberSafe: true, since: '2.0.0' };
const SHARD = { ...PS, subscriberSafe: true, since: '7.0.0' };

export const pubsubCommands: CommandSpec[] = [
  command('publish', 3, 'pubsub', 'Posts a message to a channel.', {
    ...PS,
    since: '2.0.0',
    run: (ctx, client, argv) => client.reply(int(ctx.registry.publish(argv[1], argv[2]))),
  }),
  command('spublish', 3, 'pubsub', 'Post a message to a shard channel', {
    ...PS,
    since: '7.0.0',
    run: (ctx, client, argv) => client.reply(int(ctx.registry.spublish(argv[1], argv[2]))),
  }),
  command('subscribe', -2, 'pubsub', 'Listens for messages published to channels.', {
    ...SUB,
    run: subscribe('channels'),
  }),
  command('unsubscribe', -1, 'pubsub', 'Stops listening to messages posted to channels.', {
    ...SUB,
    run: unsubscribe('channels'),
  }),
  command(
    'psubscribe',
    -2,
    'pubsub',
    'Listens for messages published to channels that match one or more patterns.',
    {
      ...SUB,
      run: subscribe('patterns'),
    },
  ),
  command(
    'punsubscribe',
    -1,
    'pubsub',
    'Stops listening to messages published to channels that match one or more patterns.',
    {
      ...SUB,
      run: unsubscribe('patterns'),
    },
  ),
  command('ssubscribe', -2, 'pubsub', 'Listens for messages published to shard channels.', {
    ...SHARD,
    run: subscribe('shardChannels'),
  }),
  command('sunsubscribe', -1, 'pubsub', 'Stops listening to messages posted to shard channels.', {
    ...SHARD,
    run: unsubscribe('shardChannels'),
  }),
  command('pubsub', -2, 'pubsub', 'A container for Pub/Sub commands.', {
    ...PS,
    since: '2.8.0',
    subcommands: [
      command('pubsub|channels', -2, 'pubsub', 'Returns the active channels.', {
        ...PS,
        since: '2.8.0',
        run: listChannels('channels'),
      }),
      command('pubsub|numsub', -2, 'pubsub', 'Returns a count of subscribers to channels.', {
        ...PS,
        since: '2.8.0',
        run: (ctx, client, argv) => client.reply(countsFor(ctx, 'channels', argv)),
      }),
      command('pubsub|numpat', 2, 'pubsub', 'Returns a count of unique pattern subscriptions.', {
        ...PS,
        since: '2.8.0',
        run: (ctx, client) => client.reply(int(ctx.registry.patternCount())),
      }),
      command('pubsub|shardchannels', -2, 'pubsub', 'Returns the active shard channels.', {
        ...PS,
        since: '7.0.0',
        run: listChannels('shardChannels'),
      }),
      command(
        'pubsub|shardnumsub',
        -2,
        'pubsub',
        'Returns the count of subscribers of shard channels.',
        {
          ...PS,
          since: '7.0.0',
          run: (ctx, client, argv) => client.reply(countsFor(ctx, 'shardChannels', argv)),
        },
      ),
      command('pubsub|help', 2, 'pubsub', 'Returns helpful text about the different subcommands.', {
        since: '6.2.0',
        run: (_ctx, client) => client.reply(array(PUBSUB_HELP.map(simple))),
      }),
    ],
  }),
];
