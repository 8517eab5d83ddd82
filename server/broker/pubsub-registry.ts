import { globMatch } from './glob-match.ts';
import type { Protocol } from './resp-encoder.ts';

/**
 * Who listens to what. Channel and pattern names are kept as latin1 strings: one char per
 * byte, so binary names survive and map keys stay cheap.
 */
export type SubscriptionKind = 'channels' | 'patterns' | 'shardChannels';

export interface Subscriber {
  readonly id: number;
  readonly name: string;
  readonly proto: Protocol;
  /** This connection's own subscriptions, in the order it made them. */
  readonly subscriptions: Record<SubscriptionKind, Set<string>>;
  /** Queues one push: the fixed head for its protocol, then the bulks. */
  deliver(head: PushHead, bulks: Buffer[]): void;
}

export interface SubscriptionEntry {
  /** The channel or pattern, decoded as UTF-8 for display. */
  name: string;
  subscribers: { id: number; name: string }[];
}

export interface SubscriptionSnapshot {
  channels: SubscriptionEntry[];
  patterns: SubscriptionEntry[];
  shardChannels: SubscriptionEntry[];
}

export class PubsubRegistry {
  private readonly tables: Record<SubscriptionKind, Map<string, Set<Subscriber>>> = {
    channels: new Map(),
    patterns: new Map(),
    shardChannels: new Map(),
  };

  /** Adds one subscription; false when the subscriber already had it. */
  add(kind: SubscriptionKind, sub: Subscriber, key: string): boolean {
    if (sub.subscriptions[kind].has(key)) return false;
    sub.subscriptions[kind].add(key);
    const table = this.tables[kind];
    let subs = table.get(key);
    if (!subs) table.set(key, (subs = new Set()));
    subs.add(sub);
    return true;
  }

  /** Removes one subscription; false when the subscriber did not have it. */
  remove(kind: SubscriptionKind, sub: Subscriber, key: string): boolean {
    if (!sub.subscriptions[kind].delete(key)) return false;
    const table = this.tables[kind];
    const subs = table.get(key);
    subs?.delete(sub);
    if (subs?.size === 0) {
      table.delete(key);
      if (kind === 'patterns') this.patternBuffers.delete(key);
    }
    return true;
  }

  /** Drops every subscription of a connection that is going away. */
  removeAll(sub: Subscriber): void {
    for (const kind of ['channels', 'patterns', 'shardChannels'] as const) {
      for (const key of [...sub.subscriptions[kind]]) this.remove(kind, sub, key);
    }
  }

  /** PUBLISH: channel subscribers first, then pattern subscribers, as Redis does. Returns receivers. */
  publish(channel: Buffer, message: Buffer): number {
    const key = channel.toString('latin1');
    let receivers = 0;
    const direct = this.tables.channels.get(key);
    if (direct) {
      const bulks = [channel, message];
      for (const sub of direct) sub.deliver(MESSAGE, bulks);
      receivers += direct.size;
    }
    for (const [pattern, subs] of this.tables.patterns) {
      if (!globMatch(pattern, key)) continue;
      const bulks = [this.patternBytes(pattern), channel, message];
      for (const sub of subs) sub.deliver(PMESSAGE, bulks);
      receivers += subs.size;
    }
    return receivers;
  }

  /** A pattern's bytes for pmessage pushes, made once per pattern rather than per message. */
  private patternBytes(pattern: string): Buffer {
    let bytes = this.patternBuffers.get(pattern);
    if (!bytes) this.patternBuffers.set(pattern, (bytes = Buffer.from(pattern, 'latin1')));
    return bytes;
  }
  private readonly patternBuffers = new Map<string, Buffer>();

  /** SPUBLISH: only shard-channel subscribers; patterns never see shard messages. */
  spublish(channel: Buffer, message: Buffer): number {
    const subs = this.tables.shardChannels.get(channel.toString('latin1'));
    if (!subs) return 0;
    const bulks = [channel, message];
    for (const sub of subs) sub.deliver(SMESSAGE, bulks);
    return subs.size;
  }

  count(kind: SubscriptionKind, key: string): number {
    return this.tables[kind].get(key)?.size ?? 0;
  }

  /** PUBSUB NUMPAT counts distinct patterns, not pattern subscriptions (Redis 7). */
  patternCount(): number {
    return this.tables.patterns.size;
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS, optionally filtered by a glob. */
  names(kind: 'channels' | 'shardChannels', pattern?: string): string[] {
    const keys = [...this.tables[kind].keys()];
    return pattern === undefined ? keys : keys.filter((k) => globMatch(pattern, k));
  }

  snapshot(): SubscriptionSnapshot {
    const entries = (kind: SubscriptionKind): SubscriptionEntry[] =>
      [...this.tables[kind]].map(([key, subs]) => ({
        name: Buffer.from(key, 'latin1').toString('utf8'),
        subscribers: [...subs].map((s) => ({ id: s.id, name: s.name })),
      }));
    return {
      channels: entries('channels'),
      patterns: entries('patterns'),
      shardChannels: entries('shardChannels'),
    };
  }

  clear(): void {
    for (const table of Object.values(this.tables)) table.clear();
    this.patternBuffers.clear();
  }
}

/** The fixed start of a push, `*3\r\n$7\r\nmessage\r\n`, with RESP2's and RESP3's prefix. */
export type PushHead = Record<Protocol, Buffer>;

function pushHead(kind: string, items: number): PushHead {
  const rest = `${items}\r\n$${kind.length}\r\n${kind}\r\n`;
  return { 2: Buffer.from(`*${rest}`), 3: Buffer.from(`>${rest}`) };
}
const MESSAGE = pushHead('message', 3);
const PMESSAGE = pushHead('pmessage', 4);
const SMESSAGE = pushHead('smessage', 3);
