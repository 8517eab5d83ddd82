import net from 'node:net';
import { freePort } from '../free-port.ts';
import {
  DEFAULT_PUBSUB_OUTPUT_LIMIT,
  type BrokerContext,
  type BrokerEvent,
  type OutputLimit,
} from './broker-context.ts';
import { BlockedReads } from './blocked-reads.ts';
import { ClientConnection } from './client-connection.ts';
import { dispatch, knowsCommand } from './commands.ts';
import { Keyspace } from './keyspace.ts';
import { AclUsers } from './acl-users.ts';
import { PubsubRegistry, type SubscriptionSnapshot } from './pubsub-registry.ts';
import { error } from './resp-encoder.ts';
import { Transactions } from './transactions.ts';

export type { BrokerEvent, OutputLimit } from './broker-context.ts';
export type { SubscriptionSnapshot } from './pubsub-registry.ts';

/** Commands run between two writes of pending output; about what 16 KiB of PUBLISH holds. */
const FLUSH_EVERY_COMMANDS = 100;

export interface EmbeddedBrokerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1: the broker is for this machine unless asked otherwise. */
  host?: string;
  /** Like requirepass: clients must AUTH (or HELLO ... AUTH default <password>). */
  password?: string;
  /** Like proto-max-bulk-len; default 512 MiB as in Redis. */
  maxBulkLen?: number;
  /** Like client-output-buffer-limit pubsub; default 32 MiB hard, 8 MiB soft for 60 s. */
  pubsubOutputLimit?: OutputLimit;
  onEvent?: (e: BrokerEvent) => void;
}

/**
 * A TCP server that speaks enough of the Redis protocol for the Socket.IO Redis adapters:
 * RESP2/RESP3, pub/sub (plain, pattern, sharded), the connection commands clients send, and
 * for the Redis Streams adapter streams (XADD, XREAD BLOCK, XRANGE), keys with expiry and
 * MULTI/EXEC.
 * It has the same start/stop shape as RedisProcess, so the lab can swap one for the other.
 */
export class EmbeddedBroker {
  private server: net.Server | null = null;
  private nextClientId = 1;
  private readonly ctx: BrokerContext;
  private dirty: ClientConnection[] = [];
  private flushScheduled = false;
  private sinceFlush = 0;
  private cron: NodeJS.Timeout | undefined;

  private constructor(
    readonly port: number,
    private readonly opts: EmbeddedBrokerOptions,
  ) {
    const onEvent = opts.onEvent;
    const keyspace = new Keyspace();
    this.ctx = {
      registry: new PubsubRegistry(),
      keyspace,
      // A woken XREAD client goes on with its pipelined commands on the next turn, not inside
      // the XADD that woke it.
      blocked: new BlockedReads(keyspace, (client) => setImmediate(() => this.process(client))),
      transactions: new Transactions(),
      clients: new Map(),
      monitors: new Set(),
      users: new AclUsers(knowsCommand, opts.password),
      port,
      startedAt: Date.now(),
      stats: { connectionsReceived: 0, commandsProcessed: 0 },
      outputLimits: {
        normal: { hard: 0, soft: 0, softSeconds: 0 },
        slave: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
        pubsub: { ...(opts.pubsubOutputLimit ?? DEFAULT_PUBSUB_OUTPUT_LIMIT) },
      },
      flushLater: (client) => {
        this.dirty.push(client);
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => {
            this.flushScheduled = false;
            this.flushAll();
          });
        }
      },
      emit: (event) => {
        if (!onEvent) return;
        try {
          onEvent(event);
        } catch {
          // A broken listener must not take the broker down with it.
        }
      },
    };
  }

  static async start(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ? opts.port : await freePort(host);
    const broker = new EmbeddedBroker(port, opts);
    await broker.start();
    return broker;
  }

  get host(): string {
    return this.opts.host ?? '127.0.0.1';
  }

  /** Where clients on this machine connect: loopback unless the broker is bound elsewhere. */
  get url(): string {
    const host = this.host;
    if (['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host)) {
      return `redis://127.0.0.1:${this.port}`;
    }
    return `redis://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Listens again on the same port after stop(): the lab's "Redis is back". */
  async start(): Promise<void> {
    if (this.server) return;
    // A Redis started again without an ACL file knows only its default user.
    this.ctx.users = new AclUsers(knowsCommand, this.opts.password);
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Errors after listening (e.g. EMFILE on accept) are survivable; they must not crash the lab.
    server.on('error', () => {});
    this.server = server;
    // Like Redis's clientsCron: a subscriber over the soft limit is cut off once its time is up,
    // even if nothing more is published to it.
    this.cron = setInterval(() => {
      for (const client of this.ctx.clients.values()) client.checkOutputLimit();
    }, 100);
    this.cron.unref();
  }

  /**
   * Closes the listener and drops every client at once, like a Redis that died. Streams and
   * keys go too, as they would from a Redis without persistence (the lab runs its redis-server
   * with persistence off).
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    if (this.cron) clearInterval(this.cron);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const client of [...this.ctx.clients.values()]) {
      client.socket.destroy();
      client.markClosed();
    }
    this.ctx.registry.clear();
    this.ctx.blocked.clear();
    this.ctx.transactions.clear();
    this.ctx.keyspace.clear();
    await closed;
  }

  /** Every channel, pattern and shard channel with the connections subscribed to it. */
  subscriptions(): SubscriptionSnapshot {
    return this.ctx.registry.snapshot();
  }

  /** Open client connections: id, name, address and protocol, for the lab's tables. */
  clients(): { id: number; name: string; addr: string; proto: 2 | 3; subscribed: boolean }[] {
    return [...this.ctx.clients.values()].map((c) => ({
      id: c.id,
      name: c.name,
      addr: c.addr,
      proto: c.proto,
      subscribed: c.subscribed,
    }));
  }

  private flushAll(): void {
    this.sinceFlush = 0;
    const dirty = this.dirty;
    this.dirty = [];
    for (const client of dirty) {
      try {
        client.flush();
      } catch (err) {
        client.kill('internal-error', err instanceof Error ? err.message : String(err));
      }
    }
  }

  private accept(socket: net.Socket): void {
    const id = this.nextClientId++;
    const client = new ClientConnection(id, socket, this.ctx, this.opts.maxBulkLen);
    socket.setNoDelay(true);
    this.ctx.clients.set(id, client);
    this.ctx.stats.connectionsReceived++;
    this.ctx.emit({ type: 'client-connected', id, addr: client.addr });
    socket.on('data', (chunk: Buffer) => this.process(client, chunk));
    // Resets and the like: 'close' follows, which does the cleanup.
    socket.on('error', () => {});
    // Every connection ends with exactly one client-closed, killed or not.
    socket.on('close', () => {
      client.markClosed();
      this.ctx.emit({ type: 'client-closed', id, ...(client.name ? { name: client.name } : {}) });
    });
  }

  /**
   * Takes a chunk of input (none when an XREAD BLOCK ends) and runs the client's complete
   * commands, until its input runs out or a command blocks it.
   */
  private process(client: ClientConnection, chunk?: Buffer): void {
    const blocked = this.ctx.blocked;
    try {
      if (chunk) {
        client.lastActiveAt = Date.now();
        client.parser.feed(chunk);
      }
      while (!client.closing && !client.isClosed) {
        // A client blocked in XREAD runs nothing more until it is served or times out.
        if (blocked.count !== 0 && blocked.isBlocked(client)) break;
        const next = client.parser.next();
        if (next.kind === 'incomplete') break;
        if (next.kind === 'error' && next.silent) {
          client.kill('protocol-error', next.message);
          break;
        }
        if (next.kind === 'error') {
          client.reply(error(`ERR ${next.message}`));
          client.closeAfterReply();
          this.ctx.emit({
            type: 'client-killed',
            reason: 'protocol-error',
            id: client.id,
            ...(client.name ? { name: client.name } : {}),
            detail: next.message,
          });
          break;
        }
        dispatch(this.ctx, client, next.argv);
        // Hand replies back in slices, as Redis does by reading 16 KiB at a time: the client
        // can work on the first replies while the broker parses the rest of a long pipeline.
        if (++this.sinceFlush >= FLUSH_EVERY_COMMANDS) this.flushAll();
      }
    } catch (err) {
      // A bug in the broker costs one connection, never the process.
      client.kill('internal-error', err instanceof Error ? err.message : String(err));
    }
  }
}
