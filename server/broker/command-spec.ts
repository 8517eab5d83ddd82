import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';

/** Runs one command; it queues its own replies, since pub/sub commands send several. */
export type CommandHandler = (ctx: BrokerContext, client: ClientConnection, argv: Buffer[]) => void;

/** One command the broker knows, described the way Redis's command table does. */
export interface CommandSpec {
  /** Lowercase; a subcommand's is `container|sub`, as Redis prints it in errors. */
  name: string;
  /** Redis arity: n means exactly n words, -n means at least n (both count the name). */
  arity: number;
  /** COMMAND INFO flags. `noauth` lets it run before AUTH; `pubsub` is informational. */
  flags: string[];
  /** COMMAND INFO's first key, last key and step; absent for commands without keys. */
  keys?: [number, number, number];
  /** ACL categories for COMMAND INFO. */
  categories: string[];
  summary: string;
  since: string;
  group: string;
  /** May run on a RESP2 connection in subscriber mode. */
  subscriberSafe?: boolean;
  /** Not echoed to MONITOR clients (commands that carry passwords, and MONITOR itself). */
  hiddenFromMonitor?: boolean;
  run?: CommandHandler;
  subcommands?: CommandSpec[];
}

/** Shorthand for the repetitive parts of a spec. */
export function command(
  name: string,
  arity: number,
  group: string,
  summary: string,
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return { name, arity, flags: [], categories: [], since: '1.0.0', group, summary, ...extra };
}
