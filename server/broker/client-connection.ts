import type net from 'node:net';
import type { BrokerContext } from './broker-context.ts';
import { OutputBuffer } from './output-buffer.ts';
import type { PushHead, SubscriptionKind, Subscriber } from './pubsub-registry.ts';
import { encodeReply, type Protocol, type Reply } from './resp-encoder.ts';
import { RequestParser } from './resp-request-parser.ts';

/** Output a non-subscriber may have waiting before the broker stops reading its commands. */
const READ_PAUSE_BYTES = 16 * 1024 * 1024;

/** How the connection ended, for the lab's event feed. */
export type KillReason =
  'output-buffer-limit' | 'protocol-error' | 'client-kill' | 'internal-error' | 'acl-revoked';

/**
 * One client socket: its negotiated protocol, name, auth state, subscriptions and output.
 * Replies are queued and written once per event-loop turn, which is how Redis batches
 * replies to pipelined commands, and what keeps fan-out to many subscribers cheap.
 */
export class ClientConnection implements Subscriber {
  name = '';
  proto: Protocol = 2;
  authenticated: boolean;
  /** The ACL user the connection acts as: `default` until AUTH says otherwise. */
  user = 'default';
  monitor = false;
  /** Set by QUIT or a protocol error: send what is queued, then close. */
  closing = false;
  lastCommand = 'NULL';
  libName = '';
  libVer = '';
  readonly createdAt = Date.now();
  lastActiveAt = Date.now();
  readonly subscriptions: Record<SubscriptionKind, Set<string>> = {
    channels: new Set(),
    patterns: new Set(),
    shardChannels: new Set(),
  };
  readonly addr: string;
  readonly laddr: string;
  readonly parser: RequestParser;

  private readonly out = new OutputBuffer();
  private flushQueued = false;
  private softLimitSince: number | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly ctx: BrokerContext,
    maxBulkLen: number | undefined,
  ) {
    this.addr = `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = `${socket.localAddress}:${socket.localPort}`;
    this.authenticated = ctx.users.defaultOpen;
    this.parser = new RequestParser({ maxBulkLen, authRequired: () => !this.authenticated });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Channels plus patterns: the count SUBSCRIBE and PSUBSCRIBE replies carry. */
  get channelAndPatternCount(): number {
    return this.subscriptions.channels.size + this.subscriptions.patterns.size;
  }

  /** RESP2 subscriber mode starts with the first subscription of any kind. */
  get subscribed(): boolean {
    return this.channelAndPatternCount + this.subscriptions.shardChannels.size > 0;
  }

  reply(reply: Reply): void {
    // Like Redis, a connection that is closing after its last reply takes no more output.
    if (this.closed || this.closing) return;
    this.out.bytes(encodeReply(reply, this.proto));
    this.scheduleFlush();
  }

  deliver(head: PushHead, bulks: Buffer[]): void {
    if (this.closed || this.closing) return;
    const out = this.out;
    out.bytes(head[this.proto]);
    for (let i = 0; i < bulks.length; i++) out.bulk(bulks[i]);
    this.scheduleFlush();
  }

  /** Queued bytes not yet handed to the socket plus what the socket still holds. */
  get outputBytes(): number {
    return this.out.length + (this.closed ? 0 : this.socket.writableLength);
  }

  private scheduleFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.ctx.flushLater(this);
    }
  }

  /** Writes everything queued; closes if a QUIT or protocol error asked for it. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    if (this.out.length > 0) {
      const bytes = this.out.take();
      if (this.closing) {
        this.socket.end(bytes);
        return;
      }
      this.socket.write(bytes);
      if (this.subscribed) {
        if (this.checkOutputLimit()) return;
      } else if (this.socket.writableLength > READ_PAUSE_BYTES && !this.socket.isPaused()) {
        // A client that pipelines without reading: stop reading its commands until it catches
        // up, so its replies cannot grow without bound (pushes to subscribers have the limit).
        this.socket.pause();
        this.socket.once('drain', () => this.socket.resume());
      }
    }
    if (this.closing) this.socket.end();
  }

  /**
   * Redis's client-output-buffer-limit for pub/sub clients: over the hard limit, disconnected at
   * once; over the soft limit, only once it has stayed there for more than its seconds. Checked
   * after each write and by the broker's cron, as Redis does. Answers whether it disconnected.
   */
  checkOutputLimit(): boolean {
    if (this.closed || !this.subscribed) return false;
    const pending = this.outputBytes;
    const { hard, soft, softSeconds } = this.ctx.outputLimits.pubsub;
    let over = hard > 0 && pending >= hard;
    if (!over && soft > 0 && pending >= soft) {
      // Redis's clock here is whole seconds (server.unixtime): the first check over the soft
      // limit starts it, and a later one more than softSeconds on disconnects.
      const now = Math.floor(Date.now() / 1000);
      if (this.softLimitSince === null) this.softLimitSince = now;
      else over = now - this.softLimitSince > softSeconds;
    } else if (!over) {
      this.softLimitSince = null;
    }
    if (over) this.kill('output-buffer-limit', `${pending} bytes pending`);
    return over;
  }

  /** Drops the connection at once, discarding its output, and tells the lab why. */
  kill(reason: KillReason, detail?: string): void {
    if (this.closed) return;
    this.out.clear();
    this.socket.destroy();
    // State first, then the event: a listener that looks at the broker sees the client gone.
    this.markClosed();
    this.ctx.emit({
      type: 'client-killed',
      reason,
      id: this.id,
      ...(this.name ? { name: this.name } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  /** Ends the connection after the reply already queued (a protocol error, QUIT). */
  closeAfterReply(): void {
    this.closing = true;
    this.scheduleFlush();
  }

  /** Bookkeeping when the socket is gone, whoever closed it. Returns false if already done. */
  markClosed(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.out.clear();
    this.ctx.clients.delete(this.id);
    this.ctx.monitors.delete(this);
    if (this.subscribed) {
      this.ctx.registry.removeAll(this);
      this.ctx.emit({ type: 'subscriptions-changed' });
    }
    return true;
  }

  /** Flags field of CLIENT LIST: P pub/sub, O monitor, N nothing special. */
  private flags(): string {
    if (this.monitor) return 'O';
    if (this.subscribed) return 'P';
    return 'N';
  }

  /** One line of CLIENT LIST / CLIENT INFO, with Redis's field names. Memory fields are approximations. */
  describe(): string {
    const now = Date.now();
    const fields: [string, string | number][] = [
      ['id', this.id],
      ['addr', this.addr],
      ['laddr', this.laddr],
      ['fd', -1],
      ['name', this.name],
      ['age', Math.floor((now - this.createdAt) / 1000)],
      ['idle', Math.floor((now - this.lastActiveAt) / 1000)],
      ['flags', this.flags()],
      ['db', 0],
      ['sub', this.subscriptions.channels.size],
      ['psub', this.subscriptions.patterns.size],
      ['ssub', this.subscriptions.shardChannels.size],
      ['multi', -1],
      ['qbuf', this.parser.pendingBytes],
      ['obl', 0],
      ['oll', 0],
      ['omem', this.outputBytes],
      ['events', 'r'],
      ['cmd', this.lastCommand],
      ['user', this.user],
      ['redir', -1],
      ['resp', this.proto],
      ['lib-name', this.libName],
      ['lib-ver', this.libVer],
    ];
    return fields.map(([k, v]) => `${k}=${v}`).join(' ');
  }
}
