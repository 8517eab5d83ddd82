/**
 * The body of `GET /api/lab` and of the hub's `lab` push: what the lab is made of right now.
 * Shared by the hub, the page and the lessons (docs/api.md describes each field).
 */
import type { AdapterKind, BalancerMode, BrokenLink, SubscriptionMode } from './events.ts';

/** The two ways a lab or page client may connect (socket.io-client's `transports` option). */
export type ClientTransports = ['websocket'] | ['polling', 'websocket'];

export type RedisKind = 'external' | 'spawned' | 'embedded';

/** One node of the Redis Cluster the servers use, as CLUSTER NODES and the lab's watch see it. */
export interface ClusterNodeInfo {
  /** n1, n2...: masters first. */
  name: string;
  url: string;
  /** Its cluster node id (empty until a node has answered once). */
  id: string;
  role: 'master' | 'replica';
  /** For a replica: the name of its master. */
  master?: string;
  /** The slots it owns, e.g. "0-5460"; empty for a replica. */
  slots: string;
  /** Whether the lab's watch connection to it is up. */
  state: 'up' | 'down';
}

/** The Redis Cluster the servers' adapters use, when the lab runs with --redis-cluster. */
export interface ClusterInfo {
  /** `local`: the lab started it and stops it; `external`: given by URLs. */
  kind: 'local' | 'external';
  reason: string;
  version: string;
  nodes: ClusterNodeInfo[];
}

/** Another lab that uses the same Redis (server/monitor/lab-census.ts). */
export interface OtherLab {
  /** Its `labId`. */
  id: string;
  /** Its servers, as far as its connection names and batches tell. */
  servers: string[];
  /** How it was seen: its connections (CLIENT LIST), its monitor batches, its traffic on our channels. */
  via: ('connections' | 'monitor' | 'traffic')[];
  /**
   * True when broadcasts cross between the two labs: its traffic reached our servers, or Redis
   * counts more subscribers on our adapter's channel than our servers and this lab has some.
   */
  sharesChannels: boolean;
}

export interface LabInfo {
  /** This lab's id: in its connection names (`s1:pub@k3f9`), its flow ids and its monitor batches. */
  labId: string;
  /** The adapters' channel prefix (`socket.io` unless --key says otherwise). */
  key: string;
  /** Other labs on the same Redis. */
  otherLabs: OtherLab[];
  redis: {
    /** The URL with any password removed. */
    url: string;
    kind: RedisKind;
    version: string;
    state: 'up' | 'down';
    /** Why this Redis was chosen, in one sentence. */
    reason: string;
    /** True when the lab runs this Redis itself, so it can stop and start it. */
    controllable: boolean;
    /**
     * With --redis-cluster: the cluster that carries the adapter's traffic. The Redis above then
     * carries only the lab's own (the monitor channel, the roster), so that the cluster's
     * counters count the adapter alone. Absent without a cluster.
     */
    cluster?: ClusterInfo;
    /** The Redis user the lab's connections log in as (`default` unless one was given). */
    user: string;
    /** True while the lab's channels are locked down (POST /api/redis/lockdown). */
    lockedDown: boolean;
  };
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode | null;
  /** The protocol of the servers' Redis connections: 3 is ioredis 6's default. */
  resp?: 2 | 3;
  /** Whether the lab's stray subscriber sits on the channel the adapter counts servers by. */
  straySubscriber?: boolean;
  monitor: { enabled: boolean; channel: string };
  /**
   * The load balancer in front of the lab's servers (docs/balancer.md): its port, its mode
   * (`off` when none runs), and which kind runs it: `nginx` when nginx is on the PATH, else
   * `node`, the lab's proxy built on http-proxy-3. Absent in labs from before it.
   */
  balancer?: { port: number; mode: BalancerMode; kind: 'nginx' | 'node' };
  servers: {
    id: string;
    port: number;
    state: 'up' | 'down' | 'crashed';
    clients: number;
    /**
     * `lab`: one of the hub's own servers, which the API can stop, crash, start and remove.
     * `remote`: a standalone server (`npm run server`) that joined this lab through its Redis and
     * its monitor channel; it runs in a process of its own, and only that process can stop it.
     * Absent in traces from before remote servers were listed: read it as `lab`.
     */
    kind?: 'lab' | 'remote';
    /** Its network to Redis, cut or frozen by `POST /api/servers/{id}/cut`; absent while open. */
    link?: BrokenLink;
  }[];
  clients: {
    /** For a phone (classroom mode), its student's nickname: what the trace and the stage call it. */
    id: string;
    kind: 'lab' | 'page' | 'phone';
    server: string;
    socketId?: string;
    state: 'connected' | 'disconnected';
    rooms: string[];
    /** The namespace, when not `/` (a lab client of /game, say). */
    nsp?: string;
    /**
     * How it connects: `server`, straight to its server's port (when absent), or `balancer`,
     * through the load balancer, which picked `server` (empty until it first connects).
     */
    via?: 'server' | 'balancer';
    /**
     * socket.io-client's `transports`: `["websocket"]` (when absent), or `["polling",
     * "websocket"]`, Socket.IO's default: long-polling first, then the upgrade.
     */
    transports?: ClientTransports;
  }[];
  /** The lesson that holds the lab, if any: one lesson runs at a time for the whole lab. */
  lesson: { id: string; title: string; step: number; holder: string } | null;
  /** Whether changing calls need a token (the hub is exposed beyond loopback). */
  auth: boolean;
  /** Classroom mode (`npm start -- --classroom`): the students' phones; absent otherwise. */
  class?: ClassInfo;
}

/** The class: docs/classroom.md tells how a teacher uses it, docs/api.md each field. */
export interface ClassInfo {
  /** Where phones open the phone page, one per LAN address the hub found. */
  joinUrls: string[];
  /** The most phones the class takes (`--class-size`). */
  size: number;
  joining: 'open' | 'paused';
  /** Paused: the servers drop the chat and room messages of phones (and of other machines). */
  chat: 'open' | 'paused';
  /** Where new phones go: a server the teacher chose, or round-robin over the servers that are up. */
  placement: string | null;
  students: ClassStudent[];
  vote: ClassVoteInfo | null;
}

export interface ClassStudent {
  id: string;
  name: string;
  server: string;
  port: number;
  state: 'connecting' | 'connected' | 'disconnected';
}

/** A lesson's prediction opened to the class: counts only, never who voted what. */
export interface ClassVoteInfo {
  id: number;
  question: string;
  choices: string[];
  counts: number[];
  voters: number;
  open: boolean;
  lesson?: { id: string; step: number };
  /** What the lab really did, once the teacher ran the step: the choices that fit, in words. */
  outcome?: { fits: number[]; observed: string };
}
