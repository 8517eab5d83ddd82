/**
 * The tap on one server's Redis connections. On the pub connection: every PUBLISH/SPUBLISH
 * (with Redis's receiver count when it answers), every XADD of the streams adapter (with the
 * entry id Redis gave it; on a cluster, the node it went to) and the PUBSUB counts. The streams adapter's XREAD connection is only
 * watched for its state: its entries are reported by the adapter hook (tap-streams.ts). On the sub connection:
 * every (un)subscribe once Redis confirms it, and every message before any adapter sees it.
 * The adapter calls these methods itself, so wrapping the instance's methods sees them all.
 */
import type { Redis } from 'ioredis';
import type { RedisRole } from '../../trace/events.ts';
import { SUBSCRIBE_COMMANDS } from '../redis-clients.ts';
import type { MonitorSink, DraftEvent } from './monitor-sink.ts';
import {
  decodeMessage,
  decodeStreamEntry,
  describeMessage,
  entryBytes,
  flowOf,
  flowTagOf,
  hexPreview,
  jsonSafe,
  toBuffer,
  type AdapterFamily,
} from './decode.ts';
import { tagForPublish } from './flow-tags.ts';
import type { LabTapState } from './lab-tap-state.ts';

/** What the Redis tap needs of its server's tap. */
export interface TapHost {
  readonly id: string;
  readonly lab: string;
  readonly sink: MonitorSink;
  readonly family: AdapterFamily;
  readonly state: LabTapState;
  emit(draft: DraftEvent): void;
}

type RawVia = 'message' | 'pmessage' | 'smessage';

interface RawMessage {
  msg: Buffer;
  channel: Buffer;
  via: RawVia;
  pattern?: string;
}

/** Sweeps run as a job of this promise: cheaper than queueMicrotask, which makes an AsyncResource. */
const resolved = Promise.resolve();

export class RedisTap {
  private pubIds = 0;
  /**
   * Messages the sub connection got that no adapter hook has claimed yet, checked once the
   * current tick is over (one microtask for a whole read). An array, not a Map keyed by the
   * buffer: each message is a new object, and giving one an identity hash costs more than the
   * rest of the tap's work on it.
   */
  private unclaimed: RawMessage[] = [];
  private sweepQueued = false;
  /** The connections that are up, and their last errors. */
  private readonly connected = new Set<string>();
  private readonly lastError = new Map<string, string>();

  /**
   * On a Redis Cluster: the node each command object was last handed to, and the command the
   * Cluster was given last. ioredis picks the node inside publish() itself, in the same tick
   * (a classic PUBLISH: any master; an SPUBLISH: its slot's owner), so the publish event can say
   * where it went.
   */
  private readonly nodeOfCommand = new WeakMap<object, string>();
  private lastCommand: object | undefined;

  constructor(private readonly host: TapHost) {}

  private watchClusterNodes(client: Redis): void {
    const cluster = client as unknown as {
      isCluster?: boolean;
      nodes(role: 'all'): Redis[];
      on(event: '+node', listener: (node: Redis) => void): void;
      sendCommand(...args: unknown[]): unknown;
    };
    if (!cluster.isCluster) return;
    const watchNode = (node: Redis) => {
      const send = node.sendCommand.bind(node);
      const address = `${node.options.host}:${node.options.port}`;
      node.sendCommand = ((command: object, ...rest: unknown[]) => {
        this.nodeOfCommand.set(command, address);
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as Redis['sendCommand'];
    };
    for (const node of cluster.nodes('all')) watchNode(node);
    cluster.on('+node', watchNode);
    const send = cluster.sendCommand.bind(cluster);
    cluster.sendCommand = (command: unknown, ...rest: unknown[]) => {
      this.lastCommand = command as object;
      return send(command, ...rest);
    };
  }

  /**
   * A connection of the server is gone. Called by ioredis's 'close', and by the server itself on
   * stop or crash (the tap closes before ioredis would tell it); reported once either way.
   */
  closed(role: Extract<RedisRole, 'pub' | 'sub' | 'xread'>): void {
    if (!this.connected.delete(role)) return;
    this.host.emit({
      kind: 'redis.disconnect',
      role,
      name: `${this.host.id}:${role}`,
      error: this.lastError.get(role),
    });
  }

  /**
   * Why the connection will close, when the lab knows better than the socket: Redis closes a
   * slow subscriber with a plain end, and says why to nobody (slow-subscriber.ts reads it).
   */
  explainClose(role: Extract<RedisRole, 'pub' | 'sub'>, why: string): void {
    this.lastError.set(role, why);
  }

  /** Steps 4, 5 and 8/9: one of the adapter's Redis connections. */
  attach(client: Redis, role: Extract<RedisRole, 'pub' | 'sub' | 'xread'>): void {
    const name = `${this.host.id}:${role}`;
    const protocol = (client.options as { protocol?: number }).protocol;
    client.on('ready', () => {
      this.connected.add(role);
      this.host.emit({ kind: 'redis.connect', role, name, duplicated: role !== 'pub', protocol });
    });
    client.on('error', (err: Error) => this.lastError.set(role, err.message));
    client.on('close', () => this.closed(role));
    const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    if (role === 'xread') return;

    if (role === 'pub') {
      this.watchClusterNodes(client);
      for (const command of ['publish', 'spublish'] as const) this.wrapPublish(target, command);
      this.wrapXadd(target);
      const send = target.send_command;
      target.send_command = (...args: unknown[]) => {
        const [command, rest] = args as [string, string[]];
        const result = send.apply(client, args);
        if (String(command).toUpperCase() === 'PUBSUB') {
          result.then(
            (reply) =>
              this.host.emit({
                kind: 'redis.command',
                role,
                command: 'PUBSUB',
                args: rest.map(String),
                reply: jsonSafe(reply),
                flow: this.host.state.flows.current(),
              }),
            (err: Error) =>
              this.host.emit({
                kind: 'redis.command',
                role,
                command: 'PUBSUB',
                args: rest.map(String),
                error: err.message,
              }),
          );
        }
        return result;
      };
      return;
    }

    client.on('messageBuffer', (channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'message'),
    );
    client.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'pmessage', String(pattern)),
    );
    client.on('smessageBuffer', (channel: Buffer, msg: Buffer) =>
      this.rawMessage(msg, channel, 'smessage'),
    );
    for (const command of SUBSCRIBE_COMMANDS) {
      const original = target[command];
      target[command] = (...args: unknown[]) => {
        const channels = args.flat().filter((a) => typeof a === 'string') as string[];
        const result = original.apply(client, args);
        // Reported once Redis confirms: a subscription only exists from then on.
        const report = (outcome: { reply?: unknown; error?: string }) =>
          this.host.emit({
            kind: 'redis.command',
            step: 5,
            role,
            command: command.toUpperCase(),
            args: channels,
            ...outcome,
          });
        result.then(
          (reply) => report({ reply: jsonSafe(reply) }),
          (err: Error) => report({ error: err.message }),
        );
        return result;
      };
    }
  }

  /**
   * Every message on the sub connection is seen here first. The adapter's hook, which runs next
   * in the same tick, claims it with its decision; one nobody claims was ignored by every adapter.
   */
  private rawMessage(msg: Buffer, channel: Buffer, via: RawVia, pattern?: string): void {
    if (!this.sweepQueued) {
      this.sweepQueued = true;
      void resolved.then(this.sweep);
    }
    this.unclaimed.push({ msg, channel, via, pattern });
  }

  private readonly sweep = (): void => {
    this.sweepQueued = false;
    const left = this.unclaimed;
    if (left.length === 0) return;
    this.unclaimed = [];
    for (const { msg, channel, via, pattern } of left) {
      this.host.sink.countReceipt('ignored');
      this.host.emit({
        kind: 'receive',
        channel: String(channel),
        pattern,
        via,
        bytes: msg.length,
        decision: 'ignored',
        flow: flowOf(msg),
      });
    }
  };

  /** The adapter's hook has the message; it is nearly always the one just seen. */
  claim(msg: Buffer): void {
    const list = this.unclaimed;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].msg !== msg) continue;
      if (i === list.length - 1) list.pop();
      else list.splice(i, 1);
      return;
    }
  }

  /**
   * XADD, as the streams adapter sends it: `xadd([stream, 'MAXLEN', '~', n, '*', field,
   * value...])`. The broadcast's flow is in its data's flags (tapped-adapters.ts put it there).
   */
  private wrapXadd(target: Record<string, (...args: unknown[]) => Promise<unknown>>): void {
    const original = target.xadd;
    target.xadd = (...args: unknown[]) => {
      this.lastCommand = undefined;
      const result = original.apply(target, args);
      // On a Redis Cluster: the master that owns the stream key's slot, which ioredis sent it to.
      const node = this.lastCommand && this.nodeOfCommand.get(this.lastCommand);
      const flat = args.flat().map(String);
      const stream = flat[0] ?? '';
      const star = flat.indexOf('*');
      const fields: Record<string, string> = {};
      for (let i = star + 1; star > 0 && i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      const raw = entryBytes(fields);
      const decoded = decodeStreamEntry(fields);
      const flow = this.host.state.flows.current() ?? flowTagOf(decoded.value) ?? flowOf(raw);
      const pubId = ++this.pubIds;
      const t = Date.now();
      const sink = this.host.sink;
      sink.count('publish');
      if (!sink.offer(flow)) return result;
      sink.record({
        kind: 'publish',
        command: 'XADD',
        channel: stream,
        bytes: raw.length,
        flow,
        pubId,
        message: describeMessage('sharded', stream, decoded.format, decoded.value),
        hex: hexPreview(raw),
        ...(node ? { node } : {}),
      });
      const settled = (outcome: { entryId: string } | { error: string }) =>
        sink.record({
          kind: 'publish.result',
          pubId,
          channel: stream,
          ms: Date.now() - t,
          flow,
          ...outcome,
        });
      result.then(
        (id) => settled({ entryId: String(id) }),
        (err: Error) => settled({ error: err.message }),
      );
      return result;
    };
  }

  private wrapPublish(
    target: Record<string, (...args: unknown[]) => Promise<unknown>>,
    command: 'publish' | 'spublish',
  ): void {
    const original = target[command];
    target[command] = (channel: unknown, payload: unknown, ...rest: unknown[]) => {
      const given = toBuffer(payload as Buffer);
      const { flow, payload: tagged } = tagForPublish(
        given,
        this.host.state.flows.current(),
        this.host.id,
        this.host.lab,
        this.host.state.flows,
      );
      const buf = tagged ?? given;
      const pubId = ++this.pubIds;
      const t = Date.now();
      const sink = this.host.sink;
      sink.count('publish');
      // A flow left out by sampling costs no more than the count above.
      const detail = sink.offer(flow);
      this.lastCommand = undefined;
      const result = original.call(target, channel, tagged ?? payload, ...rest);
      if (!detail) return result;
      const node = this.lastCommand && this.nodeOfCommand.get(this.lastCommand);
      sink.record({
        kind: 'publish',
        command: command === 'publish' ? 'PUBLISH' : 'SPUBLISH',
        channel: String(channel),
        bytes: buf.length,
        flow,
        pubId,
        message: decodeMessage(this.host.family, String(channel), buf),
        hex: hexPreview(buf),
        t,
        ...(node ? { node } : {}),
      });
      const settled = (outcome: { receivers: number } | { error: string }) =>
        sink.record({
          kind: 'publish.result',
          pubId,
          channel: String(channel),
          ms: Date.now() - t,
          flow,
          ...outcome,
        });
      result.then(
        (receivers) => settled({ receivers: Number(receivers) }),
        (err: Error) => settled({ error: err.message }),
      );
      return result;
    };
  }
}
