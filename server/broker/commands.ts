import type { BrokerContext } from './broker-context.ts';
import { clientCommand } from './client-commands.ts';
import type { ClientConnection } from './client-connection.ts';
import type { CommandSpec } from './command-spec.ts';
import { connectionCommands } from './connection-commands.ts';
import { keyCommands } from './key-commands.ts';
import { pubsubCommands } from './pubsub-commands.ts';
import { error, simple } from './resp-encoder.ts';
import { introspectionCommands } from './server-commands.ts';
import { streamCommands } from './stream-commands.ts';
import { transactionCommands } from './transactions.ts';
import { aclCommand, permissionError } from './acl-commands.ts';
import { configCommand } from './config-commands.ts';

/** Everything the broker answers. Anything else gets Redis's unknown-command error. */
export const COMMANDS: CommandSpec[] = [
  ...connectionCommands,
  clientCommand,
  ...pubsubCommands,
  aclCommand,
  configCommand,
  ...introspectionCommands(() => COMMANDS),
  ...streamCommands,
  ...keyCommands,
  ...transactionCommands(execute),
];

// Both spellings clients really send, so the common case needs no toLowerCase().
const BY_NAME = new Map(
  COMMANDS.flatMap((c) => [
    [c.name, c],
    [c.name.toUpperCase(), c],
  ]),
);

const NOAUTH = 'NOAUTH Authentication required.';

/** The ASCII lowercase of a command word, without touching other bytes. */
function lower(word: Buffer): string {
  return word.toString('latin1').toLowerCase();
}

/** Redis's unknown-command text: name and quoted args, both cut at 128 bytes. */
function unknownCommand(argv: Buffer[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].toString('latin1').slice(0, 128 - args.length)}' `;
  }
  const name = argv[0].toString('latin1').slice(0, 128);
  return `ERR unknown command '${name}', with args beginning with: ${args}`;
}

/** Whether an ACL rule may name this command (`publish`, `client|setname`). */
export function knowsCommand(name: string): boolean {
  const [base, sub] = name.split('|');
  const spec = BY_NAME.get(base);
  if (!spec) return false;
  return sub === undefined || !!spec.subcommands?.some((s) => s.name === name);
}

/** Finds the spec for argv the way Redis's processCommand does, or the error it would reply. */
export function lookup(argv: Buffer[]): CommandSpec | string {
  const word = argv[0].toString('latin1');
  const base = BY_NAME.get(word) ?? BY_NAME.get(word.toLowerCase());
  if (!base) return unknownCommand(argv);
  let spec = base;
  if (base.subcommands && argv.length >= 2) {
    const sub = base.subcommands.find((s) => s.name === `${base.name}|${lower(argv[1])}`);
    if (!sub) {
      const subName = argv[1].toString('latin1').slice(0, 128);
      return `ERR unknown subcommand '${subName}'. Try ${base.name.toUpperCase()} HELP.`;
    }
    spec = sub;
  }
  const n = argv.length;
  if ((spec.arity > 0 && spec.arity !== n) || n < -spec.arity) {
    return `ERR wrong number of arguments for '${spec.name}' command`;
  }
  return spec;
}

/**
 * Replies with a refusal; inside MULTI it also makes the EXEC abort, as in Redis. A refused
 * EXEC itself ends the transaction and says so (Redis's execCommandAbort), even outside MULTI.
 */
function refuse(ctx: BrokerContext, client: ClientConnection, message: string, argv: Buffer[]) {
  if (argv[0].length === 4 && lower(argv[0]) === 'exec') {
    ctx.transactions.take(client);
    client.reply(
      error(`EXECABORT Transaction discarded because of: ${message.replace(/^ERR /, '')}`),
    );
    return;
  }
  client.reply(error(message));
  if (ctx.transactions.count !== 0) ctx.transactions.refused(client);
}

/** Runs one parsed command for a client, with Redis's checks in Redis's order. */
export function dispatch(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const spec = lookup(argv);
  if (typeof spec === 'string') {
    refuse(ctx, client, spec, argv);
    return;
  }
  client.lastCommand = spec.name;
  if (!client.authenticated && !spec.flags.includes('noauth')) {
    refuse(ctx, client, NOAUTH, argv);
    return;
  }
  // Redis checks the user's permissions before subscriber mode's restrictions.
  const denied = spec.flags.includes('noauth')
    ? undefined
    : permissionError(ctx, client, spec, argv);
  if (denied) {
    refuse(ctx, client, denied, argv);
    return;
  }
  if (client.subscribed && client.proto === 2 && !spec.subscriberSafe) {
    refuse(
      ctx,
      client,
      `ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      argv,
    );
    return;
  }
  if (!spec.run) {
    // A container called without a subcommand fails the arity check first, so this is unreachable.
    client.reply(error(`ERR unknown subcommand. Try ${spec.name.toUpperCase()} HELP.`));
    return;
  }
  // Inside MULTI, commands wait for EXEC (after the checks above, as in Redis's processCommand).
  if (ctx.transactions.count !== 0 && ctx.transactions.queued(client, spec, argv)) return;
  execute(ctx, client, spec, argv);
}

/** Runs a command that passed dispatch's checks: now, or later from EXEC's queue. */
function execute(
  ctx: BrokerContext,
  client: ClientConnection,
  spec: CommandSpec,
  argv: Buffer[],
): void {
  ctx.stats.commandsProcessed++;
  spec.run?.(ctx, client, argv);
  if (ctx.monitors.size > 0 && !spec.hiddenFromMonitor) feedMonitors(ctx, client, argv);
}

/** Redis's sdscatrepr: a quoted, escaped form that is always printable ASCII. */
export function quoteForMonitor(arg: Buffer): string {
  let out = '"';
  for (const c of arg) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** Hides passwords the way Redis 7 redacts AUTH and HELLO ... AUTH in MONITOR output. */
function redacted(argv: Buffer[]): Buffer[] {
  const name = lower(argv[0]);
  const hidden = Buffer.from('(redacted)');
  if (name === 'auth') return argv.map((a, i) => (i === 0 ? a : hidden));
  if (name !== 'hello') return argv;
  const out = [...argv];
  for (let i = 2; i < out.length; i++) {
    if (lower(out[i]) === 'auth' && i + 2 < out.length) {
      out[i + 1] = hidden;
      out[i + 2] = hidden;
      i += 2;
    }
  }
  return out;
}

function feedMonitors(ctx: BrokerContext, client: ClientConnection, argv: Buffer[]): void {
  const now = Date.now();
  const micros = String((now % 1000) * 1000).padStart(6, '0');
  const line = `${Math.floor(now / 1000)}.${micros} [0 ${client.addr}] ${redacted(argv)
    .map(quoteForMonitor)
    .join(' ')}`;
  const reply = simple(line);
  for (const m of ctx.monitors) m.reply(reply);
}
