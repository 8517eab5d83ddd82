/**
 * ACL SETUSER, DELUSER, WHOAMI, LIST and USERS, and the checks every command goes through: may
 * this user run it, and use these channels. Error texts are redis-server 7.0.15's; the
 * differential test compares them.
 */
import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { array, bulk, error, int, OK, simple } from './resp-encoder.ts';

const NOPERM_CHANNELS =
  'NOPERM this user has no permissions to access one of the channels used as arguments';

/** The channels a command uses, and whether they are checked literally (patterns). */
function channelsOf(
  spec: CommandSpec,
  argv: Buffer[],
): { names: Buffer[]; literal: boolean } | null {
  switch (spec.name) {
    case 'publish':
    case 'spublish':
      return { names: [argv[1]], literal: false };
    case 'subscribe':
    case 'ssubscribe':
      return { names: argv.slice(1), literal: false };
    case 'psubscribe':
      return { names: argv.slice(1), literal: true };
    default:
      return null;
  }
}

/** Redis's ACL check before a command runs: the error to reply, or undefined to go on. */
export function permissionError(
  ctx: BrokerContext,
  client: ClientConnection,
  spec: CommandSpec,
  argv: Buffer[],
): string | undefined {
  if (!ctx.users.canRun(client.user, spec))
    return `NOPERM this user has no permissions to run the '${spec.name}' command`;
  const channels = channelsOf(spec, argv);
  if (!channels) return undefined;
  for (const name of channels.names) {
    if (!ctx.users.mayUse(client.user, name.toString('latin1'), channels.literal))
      return NOPERM_CHANNELS;
  }
  return undefined;
}

/** Whether a client may keep every subscription it has, with its user's channels as they are now. */
function keepsSubscriptions(ctx: BrokerContext, c: ClientConnection): boolean {
  const { channels, patterns, shardChannels } = c.subscriptions;
  const may = (name: string, literal: boolean) => ctx.users.mayUse(c.user, name, literal);
  return (
    [...channels].every((n) => may(n, false)) &&
    [...shardChannels].every((n) => may(n, false)) &&
    [...patterns].every((n) => may(n, true))
  );
}

function setUser(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const name = argv[2].toString('latin1');
  const problem = ctx.users.setUser(
    name,
    argv.slice(3).map((a) => a.toString('latin1')),
  );
  if (problem) {
    client.reply(error(problem));
    return;
  }
  client.reply(OK);
  // As Redis 7 does: a subscriber whose user lost a channel it listens on is disconnected.
  for (const c of [...ctx.clients.values()]) {
    if (c.user === name && c.subscribed && !keepsSubscriptions(ctx, c))
      c.kill('acl-revoked', `user ${name} lost a channel it was subscribed to`);
  }
}

function delUser(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const names = argv.slice(2).map((a) => a.toString('latin1'));
  if (names.includes('default')) {
    client.reply(error("ERR The 'default' user cannot be removed"));
    return;
  }
  let removed = 0;
  for (const name of names) if (ctx.users.delete(name)) removed++;
  client.reply(int(removed));
  // The deleted users' connections go with them.
  for (const c of [...ctx.clients.values()]) {
    if (c !== client && names.includes(c.user)) c.kill('acl-revoked', `user ${c.user} was deleted`);
  }
}

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'LIST',
  '    Show users details in config file format.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

const ADMIN = { group: 'server', since: '6.0.0', categories: ['@admin', '@slow', '@dangerous'] };

export const aclCommand: CommandSpec = command(
  'acl',
  -2,
  'server',
  'A container for Access List Control commands.',
  {
    since: '6.0.0',
    subcommands: [
      command('acl|setuser', -3, 'server', 'Creates and modifies an ACL user and its rules.', {
        ...ADMIN,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        run: setUser,
      }),
      command('acl|deluser', -3, 'server', 'Deletes ACL users, and terminates their connections.', {
        ...ADMIN,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        run: delUser,
      }),
      command(
        'acl|whoami',
        2,
        'server',
        'Returns the authenticated username of the current connection.',
        {
          group: 'server',
          since: '6.0.0',
          categories: ['@slow'],
          flags: ['noscript', 'loading', 'stale'],
          run: (_ctx, client) => client.reply(bulk(client.user)),
        },
      ),
      command('acl|list', 2, 'server', 'Dumps the effective rules in ACL file format.', {
        ...ADMIN,
        run: (ctx, client) =>
          client.reply(
            array(ctx.users.names().map((n) => bulk(ctx.users.describe(ctx.users.get(n)!)))),
          ),
      }),
      command('acl|users', 2, 'server', 'Lists all ACL users.', {
        ...ADMIN,
        run: (ctx, client) => client.reply(array(ctx.users.names().map((n) => bulk(n)))),
      }),
      command('acl|help', 2, 'server', 'Returns helpful text about the different subcommands.', {
        since: '6.0.0',
        categories: ['@slow'],
        run: (_ctx, client) => client.reply(array(ACL_HELP.map(simple))),
      }),
    ],
  },
);
