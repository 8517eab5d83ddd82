/**
 * The Redis console (lesson 0): up to three bare connections to the lab's Redis, A, B and C,
 * that run real pub/sub commands from an allow-list and report every frame Redis sends back
 * exactly as it sends it. ioredis would smooth that over (a SUBSCRIBE of three channels gets
 * three replies, and ioredis keeps the last), so the console speaks RESP itself, with the
 * broker's encoder and decoder.
 *
 * Everything it does goes to the trace as `console` events, and to a short transcript per
 * connection that `GET /api/redis/console` returns.
 *
 * On a Redis Cluster (--redis-cluster) each console connection is one socket per node it has
 * used, and each command goes where a cluster client would send it (redis-cluster/console-route.ts):
 * shard commands to the owner of the channel's slot, the rest to a home node. Every line then
 * names the node (`node`), so the class sees which node answered.
 */
import net from 'node:net';
import type { ConsoleLine } from '../trace/events.ts';
import { CONSOLE_COMMANDS, CONSOLE_CONNECTIONS } from '../trace/lesson/lesson-actions.ts';
import { encodeCommand } from './broker/resp-encoder.ts';
import { ReplyDecoder, type Frame } from './broker/resp-reply-decoder.ts';
import { LabError } from './lab-error.ts';
import { consoleRoute, type RouteNode } from './redis-cluster/console-route.ts';

export type ConsoleDraft = Omit<ConsoleLine, 'kind' | 'seq' | 't' | 'server' | 'step'>;

export interface RedisConsoleOptions {
  url: string;
  /** Where each line goes: the lab's trace. */
  emit: (line: ConsoleDraft) => void;
  /** The lab's own monitor channel: its batches are not echoed (the console would report on itself). */
  monitorChannel: string;
  /** With --redis-cluster: the cluster's nodes now, each with a URL the console can log in with. */
  cluster?: () => (RouteNode & { url: string })[];
}

const MAX_ARGS = 8;
const MAX_ARG_LENGTH = 200;
const MAX_PENDING = 10;
const TRANSCRIPT = 100;
/** A command Redis has not answered within this is reported as unanswered. */
const ANSWER_MS = 3000;

const SUBSCRIBES = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
]);
const PUBSUB_SUBCOMMANDS = ['CHANNELS', 'NUMSUB', 'NUMPAT', 'SHARDCHANNELS', 'SHARDNUMSUB'];
const MESSAGES = new Set(['message', 'pmessage', 'smessage']);
/** Which set of names each (un)subscribe confirmation updates. */
const FAMILY: Record<string, 'channels' | 'patterns' | 'shards'> = {
  subscribe: 'channels',
  unsubscribe: 'channels',
  psubscribe: 'patterns',
  punsubscribe: 'patterns',
  ssubscribe: 'shards',
  sunsubscribe: 'shards',
};

/** Why the console will not run `args`, or null when it will. */
export function refusal(args: unknown, monitorChannel: string): string | null {
  if (!Array.isArray(args) || args.length === 0 || args.length > MAX_ARGS)
    return `"args" must be a command and up to ${MAX_ARGS - 1} arguments, e.g. ["SUBSCRIBE", "news"].`;
  if (!args.every((a) => typeof a === 'string' && a.length > 0 && a.length <= MAX_ARG_LENGTH))
    return `each argument must be a word of 1 to ${MAX_ARG_LENGTH} characters.`;
  const [command, ...rest] = args as string[];
  const name = command.toUpperCase();
  if (!(CONSOLE_COMMANDS as readonly string[]).includes(name))
    return `the console runs only ${CONSOLE_COMMANDS.join(', ')}; "${command}" is not one of them.`;
  if (name === 'HELLO' && !(rest.length === 1 && (rest[0] === '2' || rest[0] === '3')))
    return 'HELLO takes one argument here, the protocol: HELLO 2 or HELLO 3.';
  if (name === 'PUBSUB' && !PUBSUB_SUBCOMMANDS.includes(String(rest[0]).toUpperCase()))
    return `PUBSUB ${PUBSUB_SUBCOMMANDS.join(' | ')} [...]`;
  if ((name === 'PUBLISH' || name === 'SPUBLISH') && rest.length !== 2)
    return `${name} takes a channel and a message: ${name} news "hello".`;
  if ((name === 'PUBLISH' || name === 'SPUBLISH') && rest[0].startsWith(monitorChannel))
    return `${rest[0]} is the lab's own monitor channel; publish on a channel of your own.`;
  if (['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE'].includes(name) && rest.length === 0)
    return `${name} needs at least one ${name === 'PSUBSCRIBE' ? 'pattern' : 'channel'}.`;
  return null;
}

/** A frame as JSON: bulk strings as UTF-8 text, maps as lists of pairs. */
export function frameJson(f: Frame): unknown {
  switch (f.type) {
    case 'bulk':
      return f.value === null ? null : Buffer.from(f.value, 'latin1').toString('utf8');
    case 'null':
      return null;
    case 'array':
    case 'set':
    case 'push':
      return f.value === null ? null : f.value.map(frameJson);
    case 'map':
    case 'attribute':
      return f.value.map(([k, v]) => [frameJson(k), frameJson(v)]);
    default:
      return f.value;
  }
}

interface Pending {
  command: string;
  args: string[];
  /** How many frames answer it: one, one per name for (un)subscribe. */
  expect: number;
  frames: unknown[];
  /** AUTH with the lab's password: answered, never reported. */
  silent?: boolean;
  done: (frames: unknown[]) => void;
  timer: NodeJS.Timeout;
}

type LineRecord = ConsoleDraft & { t: number };

/** One console connection: a socket, a decoder, what it waits for and what it is subscribed to. */
class ConsoleConnection {
  readonly lines: LineRecord[] = [];
  protocol: 2 | 3 = 2;
  readonly subscribed = {
    channels: new Set<string>(),
    patterns: new Set<string>(),
    shards: new Set<string>(),
  };
  /** Messages on the lab's monitor channel that were not echoed. */
  skipped = 0;
  private readonly decoder = new ReplyDecoder();
  private readonly pending: Pending[] = [];
  closed = false;

  constructor(
    readonly name: string,
    private readonly socket: net.Socket,
    private readonly owner: RedisConsole,
    /** On a Redis Cluster: the node this socket talks to (n1, n2...). */
    readonly node?: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.feed(chunk);
      } catch (err) {
        this.close(`Redis sent bytes that are not RESP: ${(err as Error).message}`);
        return;
      }
      for (const f of frames) this.onFrame(f);
    });
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close());
  }

  get subscriptions(): number {
    const s = this.subscribed;
    return s.channels.size + s.patterns.size + s.shards.size;
  }

  send(command: string, args: string[], silent = false): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new LabError(409, `Console ${this.name} is closed.`));
    if (this.pending.length >= MAX_PENDING)
      throw new LabError(409, `Console ${this.name} has ${MAX_PENDING} commands waiting already.`);
    return new Promise((resolve) => {
      const entry: Pending = {
        command,
        args,
        expect: this.expectedReplies(command, args),
        frames: [],
        silent,
        done: resolve,
        timer: setTimeout(() => this.giveUp(entry), ANSWER_MS),
      };
      this.pending.push(entry);
      if (!silent) this.owner.record(this, { dir: 'command', command, args });
      this.socket.write(encodeCommand([command, ...args]));
    });
  }

  private expectedReplies(command: string, args: string[]): number {
    if (!SUBSCRIBES.has(command)) return 1;
    if (args.length > 0) return args.length;
    // UNSUBSCRIBE with no names: one confirmation per name held, or one saying there were none.
    return Math.max(this.subscribed[FAMILY[command.toLowerCase()]].size, 1);
  }

  private isMessage(f: Frame, value: unknown): boolean {
    if (!Array.isArray(value) || !MESSAGES.has(String(value[0]))) return false;
    // RESP3 marks pushes on the wire; under RESP2 a message is an array, and only arrives while subscribed.
    return (
      f.type === 'push' || (f.type === 'array' && this.protocol === 2 && this.subscriptions > 0)
    );
  }

  private onFrame(f: Frame): void {
    const value = frameJson(f);
    if (this.isMessage(f, value)) {
      const list = value as unknown[];
      const channel = String(list[list.length - 2]);
      if (channel.startsWith(this.owner.monitorChannel)) this.skipped++;
      else this.owner.record(this, { dir: 'message', value, resp: f.type });
      return;
    }
    const head = this.pending[0];
    if (!head) return; // a frame nobody asked for: nothing to pair it with
    const error = f.type === 'error' || f.type === 'blobError' ? String(f.value) : undefined;
    this.track(head.command, value, error);
    head.frames.push(error ? { error } : value);
    if (!head.silent)
      this.owner.record(this, {
        dir: 'reply',
        command: head.command,
        ...(error ? { error } : { value }),
        resp: f.type,
      });
    // Redis answers a refused command once, however many names it had.
    if (error || head.frames.length >= head.expect) this.finish(head);
  }

  /** Follows the subscriptions and the protocol from Redis's own answers. */
  private track(command: string, value: unknown, error?: string): void {
    if (error) return;
    if (command === 'HELLO') this.protocol = Array.isArray(value) ? 3 : 2;
    if (!SUBSCRIBES.has(command) || !Array.isArray(value)) return;
    const [verb, name] = value as [string, string | null];
    const family = FAMILY[String(verb)];
    if (!family || name === null) return;
    if (String(verb).includes('unsub')) this.subscribed[family].delete(String(name));
    else this.subscribed[family].add(String(name));
  }

  private finish(entry: Pending): void {
    clearTimeout(entry.timer);
    this.pending.splice(this.pending.indexOf(entry), 1);
    entry.done(entry.frames);
  }

  private giveUp(entry: Pending): void {
    if (!this.pending.includes(entry)) return;
    this.owner.record(this, {
      dir: 'reply',
      command: entry.command,
      error: `no answer from Redis within ${ANSWER_MS / 1000} s`,
    });
    this.close('Redis did not answer');
  }

  close(error?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.done([...p.frames, { error: error ?? 'connection closed' }]);
    }
    this.owner.dropped(this, error);
  }
}

export class RedisConsole {
  /** By `A`, or on a cluster by `A@n2`: one socket per console connection and node. */
  private readonly connections = new Map<string, ConsoleConnection>();
  private readonly transcripts = new Map<string, LineRecord[]>();

  constructor(private readonly options: RedisConsoleOptions) {}

  get monitorChannel(): string {
    return this.options.monitorChannel;
  }

  /** Runs one command on connection `name` and resolves with Redis's answers to it. */
  async run(name: string, args: unknown): Promise<{ connection: string; replies: unknown[] }> {
    if (!(CONSOLE_CONNECTIONS as readonly string[]).includes(name))
      throw new LabError(
        400,
        `The console's connections are ${CONSOLE_CONNECTIONS.join(', ')}.`,
        'connection',
      );
    const why = refusal(args, this.options.monitorChannel);
    if (why) throw new LabError(400, `The console will not run that: ${why}`, 'args');
    const [typed, ...rest] = args as string[];
    const command = typed.toUpperCase();
    const cluster = this.options.cluster?.();
    if (!cluster) {
      const conn = await this.connection(name);
      return { connection: name, replies: await conn.send(command, rest) };
    }
    const open = this.socketsOf(name);
    const targets =
      command === 'HELLO'
        ? // The protocol is the console connection's: every socket of it switches.
          [
            ...new Set([
              ...open.map((c) => c.node!),
              ...consoleRoute('PING', [], cluster, () => []),
            ]),
          ]
        : consoleRoute(command, rest, cluster, (kind) =>
            open.filter((c) => c.subscribed[kind].size > 0).map((c) => c.node!),
          );
    const replies: unknown[] = [];
    for (const node of targets) {
      const conn = await this.connection(
        name,
        cluster.find((n) => n.name === node),
      );
      replies.push(...(await conn.send(command, rest)));
    }
    return { connection: name, ...(targets.length === 1 ? { node: targets[0] } : {}), replies };
  }

  /** The open sockets of console connection `name` (one, or on a cluster one per node used). */
  private socketsOf(name: string): ConsoleConnection[] {
    return [...this.connections.values()].filter((c) => c.name === name && !c.closed);
  }

  /** Every connection's state and its last lines, for the page. */
  state() {
    return {
      connections: CONSOLE_CONNECTIONS.map((name) => {
        const open = this.socketsOf(name);
        const all = (kind: 'channels' | 'patterns' | 'shards') =>
          open.flatMap((c) => [...c.subscribed[kind]]);
        return {
          name,
          open: open.length > 0,
          protocol: open[0]?.protocol ?? null,
          subscriptions: open.length
            ? { channels: all('channels'), patterns: all('patterns'), shardChannels: all('shards') }
            : null,
          ...(this.options.cluster ? { nodes: open.map((c) => c.node!) } : {}),
          skippedMonitorMessages: open.reduce((sum, c) => sum + c.skipped, 0),
          lines: this.transcripts.get(name) ?? [],
        };
      }),
    };
  }

  /** Closes every connection (Redis drops their subscriptions) and starts the transcripts afresh. */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    for (const c of open) c.close();
    this.transcripts.clear();
  }

  /** @internal A line of a connection: kept in its transcript and sent to the trace. */
  record(conn: ConsoleConnection, line: Omit<ConsoleDraft, 'connection'>): void {
    const node = conn.node ? { node: conn.node } : {};
    const full: LineRecord = { connection: conn.name, ...node, ...line, t: Date.now() };
    const lines = this.transcripts.get(conn.name) ?? [];
    lines.push(full);
    if (lines.length > TRANSCRIPT) lines.splice(0, lines.length - TRANSCRIPT);
    this.transcripts.set(conn.name, lines);
    this.options.emit({ connection: conn.name, ...node, ...line });
  }

  /** @internal A connection closed (Redis stopped, or close()). */
  dropped(conn: ConsoleConnection, error?: string): void {
    const key = conn.node ? `${conn.name}@${conn.node}` : conn.name;
    if (this.connections.get(key) !== conn) return;
    this.connections.delete(key);
    this.record(conn, { dir: 'closed', ...(error ? { error } : {}) });
  }

  private async connection(
    name: string,
    node?: RouteNode & { url: string },
  ): Promise<ConsoleConnection> {
    const key = node ? `${name}@${node.name}` : name;
    const open = this.connections.get(key);
    if (open && !open.closed) return open;
    const url = new URL(node?.url ?? this.options.url);
    if (url.protocol !== 'redis:')
      throw new LabError(409, `The console speaks plain redis:// only, not ${url.protocol}.`);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
      s.once('error', (err) =>
        reject(
          new LabError(
            409,
            `The console cannot reach ${node ? `node ${node.name}` : 'Redis'} (${err.message}); is it up?`,
          ),
        ),
      );
      s.once('connect', () => resolve(s));
    });
    const conn = new ConsoleConnection(name, socket, this, node?.name);
    // The console connection's protocol so far (another node's socket may have said HELLO 3).
    const protocol = this.socketsOf(name)[0]?.protocol ?? 2;
    this.connections.set(key, conn);
    if (url.password) {
      const auth = url.username
        ? [decodeURIComponent(url.username), decodeURIComponent(url.password)]
        : [decodeURIComponent(url.password)];
      await conn.send('AUTH', auth, true);
    }
    if (protocol === 3) {
      await conn.send('HELLO', ['3'], true);
    }
    return conn;
  }
}
