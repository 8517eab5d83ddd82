import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { array, error, OK, simple, type Reply } from './resp-encoder.ts';

/** Runs one command the way dispatch does once its checks passed (stats, MONITOR). */
export type Executor = (
  ctx: BrokerContext,
  client: ClientConnection,
  spec: CommandSpec,
  argv: Buffer[],
) => void;

interface OpenTransaction {
  readonly queue: { spec: CommandSpec; argv: Buffer[] }[];
  /** A command was refused while queueing: EXEC will abort. */
  dirty: boolean;
  readonly onClose: () => void;
}

/** Commands that run at once inside MULTI instead of being queued (Redis has WATCH too). */
const NOT_QUEUED = new Set(['exec', 'discard', 'multi', 'quit', 'reset']);
const QUEUED = simple('QUEUED');

/**
 * MULTI/EXEC/DISCARD, for the session store of the Redis Streams adapter (its GETDEL is
 * MULTI, GET, DEL, EXEC). No WATCH: nothing in the lab needs optimistic locking.
 */
export class Transactions {
  private readonly open = new Map<ClientConnection, OpenTransaction>();

  /** Clients inside MULTI: dispatch only looks further when this is not 0. */
  get count(): number {
    return this.open.size;
  }

  /**
   * Called by dispatch after its checks: inside MULTI, queues the command and answers QUEUED
   * (true), or lets it run (false). RESET also ends the transaction, as in Redis.
   */
  queued(client: ClientConnection, spec: CommandSpec, argv: Buffer[]): boolean {
    const tx = this.open.get(client);
    if (!tx) return false;
    if (NOT_QUEUED.has(spec.name)) {
      if (spec.name === 'reset') this.end(client, tx);
      return false;
    }
    tx.queue.push({ spec, argv });
    client.reply(QUEUED);
    return true;
  }

  /** A command refused inside MULTI (unknown, wrong arity, ...) makes EXEC abort. */
  refused(client: ClientConnection): void {
    const tx = this.open.get(client);
    if (tx) tx.dirty = true;
  }

  begin(client: ClientConnection): boolean {
    if (this.open.has(client)) return false;
    const tx: OpenTransaction = { queue: [], dirty: false, onClose: () => this.end(client, tx) };
    this.open.set(client, tx);
    client.socket.once('close', tx.onClose);
    return true;
  }

  /** Ends the client's transaction and hands it back, or undefined when there was none. */
  take(client: ClientConnection): OpenTransaction | undefined {
    const tx = this.open.get(client);
    if (tx) this.end(client, tx);
    return tx;
  }

  private end(client: ClientConnection, tx: OpenTransaction): void {
    this.open.delete(client);
    client.socket.off('close', tx.onClose);
  }

  clear(): void {
    for (const [client, tx] of [...this.open]) this.end(client, tx);
  }
}

/**
 * Runs the queued commands and answers one array of their replies. The broker's commands
 * queue their own replies on the connection, so EXEC collects them by shadowing the
 * connection's reply() while they run; blocked XREAD readers are served after the whole
 * transaction, as Redis serves them after the command.
 */
function exec(run: Executor) {
  return (ctx: BrokerContext, client: ClientConnection): void => {
    const tx = ctx.transactions.take(client);
    if (!tx) return client.reply(error('ERR EXEC without MULTI'));
    if (tx.dirty) {
      return client.reply(error('EXECABORT Transaction discarded because of previous errors.'));
    }
    const replies: Reply[] = [];
    ctx.blocked.hold();
    try {
      client.reply = (reply: Reply) => void replies.push(reply);
      for (const { spec, argv } of tx.queue) run(ctx, client, spec, argv);
    } finally {
      Reflect.deleteProperty(client, 'reply');
    }
    client.reply(array(replies));
    ctx.blocked.release();
  };
}

const T = { group: 'transactions', since: '1.2.0' };

export function transactionCommands(run: Executor): CommandSpec[] {
  return [
    command('multi', 1, 'transactions', 'Starts a transaction.', {
      ...T,
      flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
      categories: ['@fast', '@transaction'],
      run: (ctx, client) =>
        client.reply(
          ctx.transactions.begin(client) ? OK : error('ERR MULTI calls can not be nested'),
        ),
    }),
    command('exec', 1, 'transactions', 'Executes all commands in a transaction.', {
      ...T,
      flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
      categories: ['@slow', '@transaction'],
      run: exec(run),
    }),
    command('discard', 1, 'transactions', 'Discards a transaction.', {
      ...T,
      since: '2.0.0',
      flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
      categories: ['@fast', '@transaction'],
      run: (ctx, client) =>
        client.reply(ctx.transactions.take(client) ? OK : error('ERR DISCARD without MULTI')),
    }),
  ];
}
