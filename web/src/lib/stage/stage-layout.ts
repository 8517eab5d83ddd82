/**
 * Where everything sits on the stage, in stage units (stage-scale.ts): clients on the left,
 * servers in the middle, Redis on the right as its channels and patterns, and the lines between:
 * each server's pub line to what it PUBLISHes on, and a sub line to every channel or pattern its
 * sub connection listens on, so the subscription table is drawn as lines. Pure math; the
 * components draw what this returns and the particles travel the same curves.
 */
import type { RedisScene } from '../redis/redis-scene.ts';
import { balancerWidthWanted, layoutBalancer, type BalancerBox } from './balancer-column.ts';
import {
  layoutClients,
  clientWidthWanted,
  MARK_R,
  MARK_REACH,
  type ClientNode,
} from './client-column.ts';
import { link, type Curve } from './curves.ts';
import { layoutRedis, redisWidthWanted, type NodeBox, type RedisBox } from './redis-column.ts';
import {
  layoutServers,
  serverWidthWanted,
  type ServerBox,
  type ServerFacts,
} from './server-column.ts';
import { LABEL } from './stage-scale.ts';
import { approxMeasure, type Measure } from './text-measure.ts';

export type { ClientDot, ClientGroup, ClientNode } from './client-column.ts';
export { FOLD_AT, markBox } from './client-column.ts';
export type { BalancerBox } from './balancer-column.ts';
export type { NodeBox, RedisBox } from './redis-column.ts';
export type { ServerBox } from './server-column.ts';

export interface StageLine {
  /** `pub:s1`; `sub:s1` for the line broadcasts come down; `sub:s1@<node>` for the others. */
  id: string;
  kind: 'pub' | 'sub';
  server: string;
  /** The Redis node it ends at. */
  node: string;
  curve: Curve;
  /** Carries broadcasts (drawn strong), rather than requests and responses (drawn thin). */
  main: boolean;
  /** Drawn from the adapter mode: the page saw no SUBSCRIBE for it. */
  assumed: boolean;
  /** Where a server that is not listening (down, or its sub connection lost) would listen. */
  ghost: boolean;
}

export interface StageLayout {
  width: number;
  height: number;
  compact: boolean;
  /** The label size, in units. */
  font: number;
  servers: ServerBox[];
  clients: ClientNode[];
  /** client id -> the node that stands for it (a dot, or its group). */
  clientNode: Record<string, ClientNode>;
  redis: RedisBox;
  /** Redis node id -> its box. */
  nodes: Record<string, NodeBox>;
  lines: StageLine[];
  /** The load balancer's column, when the lab runs one. */
  balancer?: BalancerBox;
}

export interface LayoutInput {
  /** The stage in units. */
  width: number;
  height: number;
  compact?: boolean;
  servers: readonly ServerFacts[];
  clients: readonly { id: string; server: string }[];
  scene: RedisScene;
  redis: { version?: string; kind?: string; state: 'up' | 'down' | 'unknown' };
  /** Servers whose client group is unfolded. */
  expanded?: readonly string[];
  measure?: Measure;
  /** The lab's load balancer, when it runs one: it gets a column between clients and servers. */
  balancer?: object;
}

export function layoutStage(input: LayoutInput): StageLayout {
  const { width: W, height: H } = input;
  const compact = input.compact ?? W < 520;
  const F = LABEL;
  const measure = input.measure ?? approxMeasure;
  const pad = 0.6 * F;
  const expanded: ReadonlySet<string> = new Set(input.expanded ?? []);

  // Columns: each asks for what its text needs; the space left over goes between servers and
  // Redis, where the lines, their labels and the servers' decisions are written.
  let clientsW = Math.min(
    clientWidthWanted(input.clients, F, measure, compact ? new Set() : expanded),
    0.2 * W,
  );
  let serverW = Math.min(serverWidthWanted(input.servers, F, measure, compact), 0.27 * W);
  const noteW = input.scene.note ? 12 * F : 0;
  let redisW = Math.min(
    Math.max(noteW, redisWidthWanted(input.scene, F, measure)),
    (compact ? 0.4 : 0.42) * W,
  );
  const minGap = compact ? 3 * F : 7 * F;
  // Between the clients and the servers: at least room for the marks right of the clients (the
  // balancer's column keeps that room itself, left of its bar).
  const markGap = input.balancer ? 1.5 * F : (MARK_R + MARK_REACH) * F;
  const balancerW = input.balancer ? balancerWidthWanted(F, compact) : 0;
  let free = W - 2 * pad - clientsW - serverW - redisW - balancerW;
  if (free < minGap + markGap) {
    // Narrow: Redis's labels give way first (they shorten from the left), then the others.
    const short = minGap + markGap - free;
    const take = Math.min(short, Math.max(0, redisW - 8 * F));
    redisW -= take;
    free += take;
    const rest = Math.max(0, minGap + markGap - free);
    const fromServers = Math.min(rest / 2, Math.max(0, serverW - 5 * F));
    const fromClients = Math.min(rest / 2, Math.max(0, clientsW - 2 * F));
    serverW -= fromServers;
    clientsW -= fromClients;
    free += fromServers + fromClients;
  }
  // With a balancer its column takes the place of the gap, and a share of what is free.
  const gapCS = input.balancer
    ? balancerW + Math.max(0, Math.min(4 * F, free * 0.2))
    : Math.max(markGap, Math.min(5 * F, free * 0.22));
  const serverX = pad + clientsW + gapCS;
  const redisX = W - pad - redisW;

  const servers = layoutServers({
    servers: input.servers,
    x: serverX,
    w: serverW,
    top: pad,
    bottom: H - pad,
    font: F,
    compact,
  });
  const { nodes: clients, byClient } = layoutClients({
    clients: input.clients,
    servers,
    x0: pad,
    x1: pad + clientsW,
    font: F,
    expanded,
    measure,
    compact,
  });
  const redis = layoutRedis({
    x: redisX,
    y: pad,
    w: redisW,
    h: H - 2 * pad,
    font: F,
    compact,
    scene: input.scene,
    info: input.redis,
    measure,
  });
  const nodes = Object.fromEntries(redis.nodes.map((n) => [n.spec.id, n]));
  return {
    width: W,
    height: H,
    compact,
    font: F,
    servers,
    clients,
    clientNode: byClient,
    redis,
    nodes,
    lines: linesOf(servers, redis.nodes),
    balancer: input.balancer
      ? layoutBalancer({ x0: pad + clientsW, x1: serverX, servers, font: F, compact })
      : undefined,
  };
}

/** Each server's pub line to the broadcast target, and a sub line to each node it listens on. */
function linesOf(servers: ServerBox[], nodes: NodeBox[]): StageLine[] {
  const lines: StageLine[] = [];
  const target = nodes.find((n) => n.spec.target && n.spec.role === 'broadcast');
  const box = new Map(servers.map((s) => [s.id, s]));
  if (target)
    for (const s of servers)
      lines.push({
        id: `pub:${s.id}`,
        kind: 'pub',
        server: s.id,
        node: target.spec.id,
        curve: link(s.pub, target.anchor),
        main: true,
        assumed: false,
        ghost: false,
      });
  const mainDone = new Set<string>();
  for (const n of nodes) {
    const main = n.spec.role === 'broadcast' || n.spec.role === 'room';
    for (const id of n.spec.subscribers) {
      const s = box.get(id);
      if (!s) continue;
      const first = main && !mainDone.has(id);
      if (first) mainDone.add(id);
      lines.push({
        id: first ? `sub:${id}` : `sub:${id}@${n.spec.id}`,
        kind: 'sub',
        server: id,
        node: n.spec.id,
        curve: link(s.sub, n.anchor),
        main,
        assumed: n.spec.assumed.includes(id),
        ghost: false,
      });
    }
  }
  // A server that listens nowhere (down, or its sub connection lost) keeps a dotted line to
  // where broadcasts would come from: what it misses is shown stopping there.
  const source = broadcastSource(nodes);
  if (source)
    for (const s of servers)
      if (!mainDone.has(s.id))
        lines.push({
          id: `sub:${s.id}`,
          kind: 'sub',
          server: s.id,
          node: source.spec.id,
          curve: link(s.sub, source.anchor),
          main: true,
          assumed: false,
          ghost: true,
        });
  return lines;
}

/** Where broadcasts leave Redis for the servers: the pattern (classic), the shard channel (sharded). */
export function broadcastSource(nodes: readonly NodeBox[]): NodeBox | undefined {
  return nodes.find((n) => n.spec.role === 'broadcast' && n.spec.kind !== 'channel');
}

/** The line a hop travels between a server and a node, if one is drawn. */
export function lineBetween(
  layout: StageLayout,
  kind: 'pub' | 'sub',
  server: string,
  node: string,
): StageLine | undefined {
  return layout.lines.find((l) => l.kind === kind && l.server === server && l.node === node);
}
