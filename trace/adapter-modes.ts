/**
 * The adapter modes, as everyone outside the server sees them: what each is, the library behind
 * it, what it asks Redis for, what Redis keeps of it, and whether it can run on a Redis Cluster
 * (and with which ioredis client class). The flags, the lesson schema, the setup screen and the
 * docs take their lists from here; the server's half of each mode (how it is created and what the
 * tap hooks) is server/adapters/, and the stage's drawing is web/src/lib/redis/scenes.ts. All
 * three are keyed by AdapterKind, so a mode that one of them lacks does not compile.
 *
 * Pure data: the facts were read in node_modules (dist/index.js and dist/sharded-adapter.js of
 * @socket.io/redis-adapter, dist/adapter.js of @socket.io/redis-streams-adapter) and on the
 * running lab.
 */
import type { AdapterKind } from './events.ts';

export interface AdapterMode {
  id: AdapterKind;
  /** The name on the setup screen and in `--help`. */
  label: string;
  /** One sentence: what a broadcast does in this mode. */
  summary: string;
  /** The npm package and the call that creates it, or null for socket.io's in-memory adapter. */
  library: { pkg: string; create: string } | null;
  /** The Redis commands the adapter sends, in the order a lab sees them. */
  commands: readonly string[];
  /** The command that carries a broadcast into Redis, or null when nothing does. */
  carrier: 'PUBLISH' | 'SPUBLISH' | 'XADD' | null;
  /** What Redis keeps of a broadcast once it is delivered (the narration says it on a loss). */
  keeps: string;
  /** The oldest Redis it needs. */
  redis: string | null;
  /**
   * Redis Cluster: whether the adapter can run on one with ioredis, and the ioredis class the
   * lab would build its connections with. `note` says why not, when not.
   */
  cluster: { supported: boolean; client: 'Redis' | 'Cluster'; note?: string };
  /** Options this mode takes beyond the common ones (the setup screen shows them). */
  options: readonly 'subscriptionMode'[];
}

/** One entry per mode, in the order lists show them. */
export const ADAPTER_MODES: { readonly [K in AdapterKind]: AdapterMode & { id: K } } = {
  redis: {
    id: 'redis',
    label: 'redis (classic)',
    summary:
      'Each server PUBLISHes a broadcast on its namespace channel; every server PSUBSCRIBEd to the pattern gets a copy, the sender included, and skips its own by uid.',
    library: { pkg: '@socket.io/redis-adapter', create: 'createAdapter(pub, sub)' },
    commands: ['PSUBSCRIBE', 'SUBSCRIBE', 'PUBLISH', 'PUBSUB NUMSUB'],
    carrier: 'PUBLISH',
    keeps: 'pub/sub keeps nothing',
    redis: null,
    cluster: { supported: true, client: 'Cluster' },
    options: [],
  },
  sharded: {
    id: 'sharded',
    label: 'sharded',
    summary:
      'Each server SPUBLISHes on shard channels it SSUBSCRIBEs to; no pattern, and in dynamic mode a channel per room, so a server only hears rooms it has members in.',
    library: { pkg: '@socket.io/redis-adapter', create: 'createShardedAdapter(pub, sub)' },
    commands: ['SSUBSCRIBE', 'SUNSUBSCRIBE', 'SPUBLISH', 'PUBSUB SHARDNUMSUB'],
    carrier: 'SPUBLISH',
    keeps: 'sharded pub/sub keeps nothing',
    redis: '7.0',
    // The adapter's README (8.3) still says it cannot run on ioredis and a cluster
    // (luin/ioredis#1759); ioredis 6's Cluster option `shardedSubscribers` is what that issue
    // lacked, and the lab runs it so, chat across servers tested in every subscription mode
    // (tests/integration/redis-cluster.test.ts).
    cluster: {
      supported: true,
      client: 'Cluster',
      note: "with ioredis's Cluster option shardedSubscribers: true (the adapter's README, written before it, says ioredis cannot)",
    },
    options: ['subscriptionMode'],
  },
  streams: {
    id: 'streams',
    label: 'streams',
    summary:
      'Each server XADDs a broadcast to a Redis stream, which keeps it; every server reads the stream with XREAD from its last entry id, so a server cut off catches up, and a client that comes back within maxDisconnectionDuration gets what it missed.',
    library: { pkg: '@socket.io/redis-streams-adapter', create: 'createAdapter(redis)' },
    commands: ['XADD', 'XREAD', 'SUBSCRIBE', 'PUBLISH', 'SET', 'MULTI', 'XRANGE', 'PUBSUB NUMSUB'],
    carrier: 'XADD',
    keeps:
      'the stream keeps the last entries (MAXLEN ~), and a session key for each client that may come back',
    redis: '5.0',
    cluster: {
      supported: true,
      client: 'Cluster',
      note: 'the stream is one key, on the master that owns its slot: every XADD and XREAD goes there (streamCount spreads namespaces over several streams)',
    },
    options: [],
  },
  none: {
    id: 'none',
    label: 'none',
    summary:
      "No adapter: socket.io's in-memory adapter, so a broadcast reaches only the sockets of the server it was sent on.",
    library: null,
    commands: [],
    carrier: null,
    keeps: 'nothing goes through Redis',
    redis: null,
    cluster: { supported: true, client: 'Redis' },
    options: [],
  },
};

/** The mode ids, in list order: what `--adapter`, lessons and the setup screen accept. */
export const ADAPTER_IDS = Object.keys(ADAPTER_MODES) as AdapterKind[];
