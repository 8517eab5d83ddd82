/**
 * What the stage shows, read from the trace model's LabState (and, live, from the hub's LabInfo
 * for servers the trace has not mentioned yet). Sorted and counted here so components only draw.
 */
import type { AdapterKind, BrokenLink, ClusterNodeStats } from '../../../../trace/events.ts';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import type { LabState } from '../../../../trace/state.ts';
import { subscriptionsWithReport } from '../../../../trace/redis-report.ts';
import type { RedisScene } from '../redis/redis-scene.ts';
import { describeRedis } from '../redis/scenes.ts';
import { plural } from '../../../../trace/plural.ts';

export interface StageServer {
  id: string;
  port: number;
  state: 'up' | 'down' | 'crashed';
  sockets: number;
  rooms: { name: string; count: number }[];
  adapter: string;
  uid?: string;
  pub: 'up' | 'down' | 'none';
  sub: 'up' | 'down' | 'none';
  /** Its network to Redis, when the lab has cut, frozen or slowed it (`server.link`). */
  link?: BrokenLink;
  /** A standalone server (`npm run server`) in a process of its own: the lab cannot toggle it. */
  remote?: boolean;
}

export interface StageClient {
  id: string;
  server: string;
  connected: boolean;
  rooms: string[];
  kind: 'lab' | 'page' | 'phone' | 'other';
  socketId?: string;
}

export interface StageModel {
  /** The adapter mode the stage draws Redis for. */
  adapter: AdapterKind;
  servers: StageServer[];
  clients: StageClient[];
  redis: { state: 'up' | 'down' | 'unknown'; version?: string; kind?: string };
  /** What Redis holds, as lib/redis/ describes it for the mode. */
  scene: RedisScene;
  /** The lab's load balancer, when it runs one (its mode is not `off`). */
  balancer?: NonNullable<LabInfo['balancer']>;
}

/** s2 before s10. */
export function byServerId(a: string, b: string): number {
  const na = Number(a.replace(/\D/g, ''));
  const nb = Number(b.replace(/\D/g, ''));
  return na !== nb && !Number.isNaN(na) && !Number.isNaN(nb) ? na - nb : a.localeCompare(b);
}

/** The mode the servers run: the lab says so live; a trace says it in server.up and adapter.attach. */
function adapterOf(state: LabState, lab: LabInfo | null, live: boolean): AdapterKind {
  if (live && lab) return lab.adapter;
  const known = Object.values(state.servers).find((s) => s.adapter !== 'unknown');
  return known && known.adapter !== 'unknown' ? known.adapter : (lab?.adapter ?? 'redis');
}

/**
 * The cluster's nodes as they last reported themselves; before their first report, as the lab
 * lists them (nothing counted yet).
 */
function clusterOf(state: LabState, lab: LabInfo | null): ClusterNodeStats[] | undefined {
  if (state.cluster) return state.cluster.nodes;
  return lab?.redis?.cluster?.nodes.map((n) => ({
    name: n.name,
    address: /\/\/(?:[^@/]*@)?([^/]+)/.exec(n.url)?.[1],
    role: n.role,
    ...(n.master ? { master: n.master } : {}),
    slots: n.slots,
    state: n.state,
    bus: { publishSent: 0, publishReceived: 0, shardSent: 0, shardReceived: 0 },
    channels: [],
    shardChannels: [],
    clients: [],
  }));
}

/** The adapter's channel prefix, read from what its servers subscribed to (`socket.io` unless set). */
function prefixOf(state: LabState): string {
  // The lab names the streams adapter's stream and channels alike (server/adapters/streams.ts).
  const stream = Object.keys(state.redis.streams ?? {})[0];
  if (stream) return stream;
  for (const table of [state.redis.patterns, state.redis.shardChannels]) {
    for (const name of Object.keys(table)) {
      const m = /^([^#]+)#\/#\*?$/.exec(name);
      if (m) return m[1];
    }
  }
  return 'socket.io';
}

export function stageModel(
  state: LabState,
  lab: LabInfo | null,
  live: boolean,
  opts: { plumbing?: boolean } = {},
): StageModel {
  const servers = new Map<string, StageServer>();
  for (const s of Object.values(state.servers)) {
    servers.set(s.id, {
      id: s.id,
      port: s.port,
      state: s.state,
      sockets: s.sockets.length,
      rooms: Object.entries(s.rooms)
        .map(([name, members]) => ({ name, count: members.length }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      adapter: s.adapter,
      uid: s.uid,
      pub: s.connections.pub?.state ?? 'none',
      sub: s.connections.sub?.state ?? 'none',
      ...(s.link ? { link: s.link } : {}),
    });
  }
  const kinds = new Map<string, StageClient['kind']>();
  for (const c of lab?.clients ?? []) kinds.set(c.id, c.kind);
  if (live && lab) {
    // A server removed from the lab is gone, though the trace remembers it going down.
    const listed = new Set(lab.servers.map((s) => s.id));
    for (const id of [...servers.keys()]) if (!listed.has(id)) servers.delete(id);
    for (const s of lab.servers) {
      const known = servers.get(s.id);
      if (known) {
        if (!known.port) known.port = s.port;
        if (s.kind === 'remote') known.remote = true;
        continue;
      }
      servers.set(s.id, {
        id: s.id,
        port: s.port,
        state: s.state,
        sockets: s.clients,
        rooms: [],
        adapter: lab.adapter,
        pub: 'none',
        sub: 'none',
        remote: s.kind === 'remote' || undefined,
      });
    }
  }

  const clients: StageClient[] = [];
  const named = new Set<string>();
  for (const c of Object.values(state.clients)) {
    if (c.socketId) named.add(c.socketId);
    // A disconnected client stays on the stage while it waits for its server to come back (or,
    // live, while the lab still lists it); one that just left (a closed page) is gone.
    if (c.state !== 'connected') {
      const waiting = (state.servers[c.server]?.state ?? 'up') !== 'up';
      if (!waiting && !(live && lab && kinds.has(c.id))) continue;
    }
    clients.push({
      id: c.id,
      server: c.server,
      connected: c.state === 'connected',
      rooms: c.rooms,
      kind: kinds.get(c.id) ?? 'other',
      socketId: c.socketId,
    });
  }
  // Sockets of clients that never said who they are still count on the stage.
  for (const s of Object.values(state.sockets)) {
    if (!s.connected || named.has(s.id) || s.client) continue;
    clients.push({
      id: s.id,
      server: s.server,
      connected: true,
      rooms: s.rooms,
      kind: 'other',
      socketId: s.id,
    });
  }
  clients.sort((a, b) => byServerId(a.server, b.server) || byServerId(a.id, b.id));

  const sorted = [...servers.values()].sort((a, b) => byServerId(a.id, b.id));
  const adapter = adapterOf(state, lab, live);
  const scene = describeRedis(adapter, {
    servers: sorted.map((s) => ({
      id: s.id,
      uid: s.uid,
      rooms: s.rooms.map((r) => r.name),
      state: s.state,
      sub: s.sub,
    })),
    // Redis's own count adds the subscribers no server reported (a script's, a late page's view).
    subscriptions: subscriptionsWithReport(state.redis),
    prefix: prefixOf(state),
    nsp: '/',
    subscriptionMode:
      (live && lab?.subscriptionMode) ||
      Object.values(state.servers).find((s) => s.subscriptionMode)?.subscriptionMode,
    plumbing: opts.plumbing ?? false,
    monitorChannel: lab?.monitor.enabled ? lab.monitor.channel : undefined,
    stream: Object.values(state.redis.streams ?? {})[0],
    cluster: clusterOf(state, lab),
  });
  const info = live && lab ? lab.redis : lab?.redis;
  const cluster =
    scene.title === 'Redis Cluster' ? (info?.cluster ?? { kind: 'cluster' }) : undefined;
  return {
    adapter,
    servers: sorted,
    clients,
    redis: cluster
      ? {
          // The cluster serves while any master answers (cluster-require-full-coverage no).
          state: scene.nodes.some((n) => n.cluster?.role === 'master' && n.cluster.state === 'up')
            ? 'up'
            : 'down',
          version: 'version' in cluster ? cluster.version : undefined,
          kind: `${cluster.kind} · ${plural(scene.nodes.length, 'node')}`,
        }
      : {
          state: live && lab ? lab.redis.state : state.redis.state,
          version: info?.version,
          kind: info?.kind,
        },
    scene,
    ...(lab?.balancer && lab.balancer.mode !== 'off' ? { balancer: lab.balancer } : {}),
  };
}

/**
 * The stage's structure changes far less often than events arrive: the same model object while
 * nothing it shows changed, so the SVG is not laid out again on every frame under load.
 */
export class ModelMemo {
  private last: { key: string; model: StageModel } | null = null;

  same(next: StageModel): StageModel {
    const key = JSON.stringify(next);
    if (this.last?.key === key) return this.last.model;
    this.last = { key, model: next };
    return next;
  }
}
