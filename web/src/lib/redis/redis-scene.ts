/**
 * What Redis holds, as the stage draws it: one description per adapter mode (classic-scene.ts,
 * sharded-scene.ts, no-adapter-scene.ts) says which channels and patterns exist, what a PUBLISH
 * lands on, and which server's sub connection listens where. The layout only places the nodes
 * it is given, so a new kind of node (a stream's log, a cluster's shards) is a new description
 * and a new node shape, not a new layout.
 *
 * Subscribers come from the trace's subscription table (the SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE
 * the servers reported). A server that is up but whose subscriptions the page never saw (it
 * opened after they were made) is drawn on what its mode subscribes to, marked `assumed`.
 */
import type { AdapterKind, ClusterNodeStats, SubscriptionMode } from '../../../../trace/events.ts';
import type { AdapterMode } from '../../../../trace/adapter-modes.ts';
import { plural } from '../../../../trace/plural.ts';
import type { RedisState, StreamState } from '../../../../trace/state.ts';

export type RedisNodeKind = 'channel' | 'pattern' | 'shard' | 'node' | 'stream';
export type NodeRole = 'broadcast' | 'room' | 'request' | 'response' | 'monitor' | 'other';
export type SubscriptionTable = 'channels' | 'patterns' | 'shardChannels';

export interface RedisNodeSpec {
  /** `<kind>:<name>`. */
  id: string;
  kind: RedisNodeKind;
  /** The channel or pattern's full name (a folded node: the first of `names`). */
  name: string;
  /** What the node shows: the name, or a fold such as `socket.io-response#/# +3`. */
  label: string;
  role: NodeRole;
  /** One line under the label: what the node is for, with its subscriber count. */
  caption: string;
  /** Servers whose sub connection listens here. */
  subscribers: string[];
  /** Of those, the ones drawn from the mode because the page saw none of their subscriptions. */
  assumed: string[];
  /** Connections that are not a server's sub connection (a stray subscriber, the monitor). */
  others: string[];
  /** Every channel the node stands for: itself, and any folded into it. */
  names: string[];
  /** A PUBLISH (or SPUBLISH) to one of `names` lands here. */
  target: boolean;
  /** The id of the pattern that matches it: Redis hands the message on through that pattern. */
  matchedBy?: string;
  /** The lab's own plumbing rather than the adapter's. */
  plumbing: boolean;
  /** Lines under the caption: what a cluster node holds (cluster-scene.ts). */
  details?: string[];
  /** A node of the Redis Cluster (kind `node`): who it is, as it reports itself. */
  cluster?: {
    address?: string;
    role: 'master' | 'replica';
    master?: string;
    slots: string;
    state: 'up' | 'down';
  };
  /** A stream: its newest entries and where each server reads (streams-scene.ts). */
  log?: StreamLog;
}

export interface StreamLog {
  /** The newest entries, oldest first, each with its number in the order they were appended. */
  entries: { id: string; n: number; server: string; event?: string }[];
  /** Each up server's read position: an index into `entries`, or -1 when it is older than them. */
  readers: { server: string; at: number }[];
  appended: number;
  maxLen: number;
  /** MAXLEN ~ has dropped the oldest entries by now. */
  trimmed: boolean;
}

export interface SceneServer {
  id: string;
  /** The adapter's uid for `/`. */
  uid?: string;
  /** Public rooms with a member on this server. */
  rooms: readonly string[];
  state: 'up' | 'down' | 'crashed';
  sub: 'up' | 'down' | 'none';
}

export interface SceneInput {
  servers: readonly SceneServer[];
  subscriptions: Pick<RedisState, SubscriptionTable>;
  /** The adapter's channel prefix (`socket.io`) and namespace (`/`). */
  prefix: string;
  nsp: string;
  subscriptionMode?: SubscriptionMode | null;
  /** Show the lab's monitor channel too. */
  plumbing: boolean;
  /** The lab's monitor channel, where every server reports its trace (the hub listens). */
  monitorChannel?: string;
  /** The streams adapter's stream, as the trace tells it. */
  stream?: StreamState;
  /** The Redis Cluster's nodes, when the servers run on one (cluster-scene.ts draws them). */
  cluster?: readonly ClusterNodeStats[];
}

/** A subscription a mode makes: the table it lands in and the channel or pattern. */
export type Subscription = [SubscriptionTable, string];

export interface AdapterScene {
  adapter: AdapterKind;
  /** The adapter's own nodes, top to bottom. */
  nodes(input: SceneInput, subs: SubscriptionIndex): RedisNodeSpec[];
  /** What a server's sub connection subscribes to in this mode. */
  expected(server: SceneServer, input: SceneInput): Subscription[];
  /** What the Redis box says when the adapter keeps nothing there. */
  note?: string;
}

export interface RedisScene {
  adapter: AdapterKind;
  /** `Redis`, or `Redis Cluster` when the nodes drawn are a cluster's. */
  title: string;
  /** The command that puts a broadcast into Redis (trace/adapter-modes.ts), or null. */
  publish: AdapterMode['carrier'];
  nodes: RedisNodeSpec[];
  note?: string;
}

/** `s1:sub` → `s1`, for the connections that are a server's sub connection. */
function serverOf(name: string, servers: ReadonlySet<string>): string | undefined {
  const i = name.lastIndexOf(':');
  return i > 0 && name.slice(i + 1) === 'sub' && servers.has(name.slice(0, i))
    ? name.slice(0, i)
    : undefined;
}

/** Who listens where, read from the trace's tables, with the mode's guess for servers not seen. */
export class SubscriptionIndex {
  private readonly servers: ReadonlySet<string>;
  /** Servers drawn on what their mode subscribes to. */
  private readonly guessed = new Map<string, Set<string>>();

  constructor(
    private readonly input: SceneInput,
    expected: (s: SceneServer) => Subscription[],
  ) {
    this.servers = new Set(input.servers.map((s) => s.id));
    const seen = new Set<string>();
    for (const table of ['channels', 'patterns', 'shardChannels'] as const)
      for (const names of Object.values(input.subscriptions[table]))
        for (const name of names) {
          const s = serverOf(name, this.servers);
          if (s) seen.add(s);
        }
    for (const s of input.servers) {
      if (seen.has(s.id) || s.state !== 'up' || s.sub === 'down') continue;
      this.guessed.set(s.id, new Set(expected(s).map(([t, n]) => `${t}|${n}`)));
    }
  }

  /** Every channel or pattern named in a table. */
  names(table: SubscriptionTable): string[] {
    return Object.keys(this.input.subscriptions[table]);
  }

  /** Subscribers of `names` (a folded node listens on each of them). */
  of(
    table: SubscriptionTable,
    names: readonly string[],
  ): Pick<RedisNodeSpec, 'subscribers' | 'assumed' | 'others'> {
    const subscribers = new Set<string>();
    const assumed = new Set<string>();
    const others = new Set<string>();
    for (const name of names) {
      for (const conn of this.input.subscriptions[table][name] ?? []) {
        const s = serverOf(conn, this.servers);
        if (s) subscribers.add(s);
        else others.add(conn);
      }
      for (const [s, subs] of this.guessed)
        if (subs.has(`${table}|${name}`) && !subscribers.has(s)) assumed.add(s);
    }
    const order = this.input.servers.map((s) => s.id);
    const sorted = (set: Set<string>) => order.filter((id) => set.has(id));
    return {
      subscribers: sorted(new Set([...subscribers, ...assumed])),
      assumed: sorted(assumed),
      others: [...others].sort(),
    };
  }
}

/** `3 subscribers` or `4 subscribers, 1 not a server`. */
export function listeners(node: Pick<RedisNodeSpec, 'subscribers' | 'others'>): string {
  const n = node.subscribers.length + node.others.length;
  return node.others.length
    ? `${plural(n, 'subscriber')}, ${node.others.length} not a server`
    : plural(n, 'subscriber');
}

/** The lab's own channels, and anything else subscribed that the mode does not know. */
export function leftovers(
  input: SceneInput,
  subs: SubscriptionIndex,
  known: readonly RedisNodeSpec[],
): RedisNodeSpec[] {
  const covered = new Set(known.flatMap((n) => n.names));
  const out: RedisNodeSpec[] = [];
  const tables: [SubscriptionTable, RedisNodeKind][] = [
    ['patterns', 'pattern'],
    ['channels', 'channel'],
    ['shardChannels', 'shard'],
  ];
  for (const [table, kind] of tables) {
    for (const name of subs.names(table).sort()) {
      if (covered.has(name)) continue;
      const who = subs.of(table, [name]);
      if (who.subscribers.length + who.others.length === 0) continue;
      const plumbing =
        who.subscribers.length === 0 && who.others.every((o) => /monitor|roster-sub(@|$)/.test(o));
      if (plumbing && !input.plumbing) continue;
      out.push({
        id: `${kind}:${name}`,
        kind,
        name,
        label: name,
        role: plumbing ? 'monitor' : 'other',
        caption: plumbing ? `the lab's monitor · ${listeners(who)}` : listeners(who),
        ...who,
        names: [name],
        target: false,
        plumbing,
      });
    }
  }
  return out;
}

/** The lab's monitor channel, when plumbing is shown and nothing else drew it. */
export function monitorNode(input: SceneInput, drawn: readonly RedisNodeSpec[]): RedisNodeSpec[] {
  const name = input.monitorChannel;
  if (!input.plumbing || !name || drawn.some((n) => n.names.includes(name))) return [];
  return [
    {
      id: `channel:${name}`,
      kind: 'channel',
      name,
      label: name,
      role: 'monitor',
      caption: "the lab's monitor · servers report here",
      subscribers: [],
      assumed: [],
      others: ['hub'],
      names: [name],
      target: false,
      plumbing: true,
    },
  ];
}

/** Public rooms with a member on any server, in order. */
export function roomsOf(servers: readonly SceneServer[]): string[] {
  return [...new Set(servers.flatMap((s) => s.rooms))].sort();
}

/** How many room channels are drawn one by one before the rest fold into one node. */
export const ROOM_NODES = 3;
