/**
 * Where everything sits on the stage: clients on the left, servers in the middle, Redis on the
 * right, and each server's two lines to Redis (pub above, sub below: the duplicate() point).
 * Pure math on D3 scales; components only draw what this returns.
 */
import { linkHorizontal, scaleBand } from 'd3';

export interface Point {
  x: number;
  y: number;
}

export interface ServerBox {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Where the websocket lines arrive (left edge). */
  left: Point;
  /** The pub connection's end at the server (right edge, upper). */
  pub: Point;
  /** The sub connection's end at the server (right edge, lower). */
  sub: Point;
  /** The pub and sub lines' ends at Redis. */
  redisPub: Point;
  redisSub: Point;
  /** The vertical band this server's clients use. */
  band: [number, number];
}

export interface ClientDot {
  kind: 'client';
  id: string;
  server: string;
  x: number;
  y: number;
  r: number;
  /** Room for a label beside the dot. */
  labelled: boolean;
}

export interface ClientGroup {
  kind: 'group';
  id: string;
  server: string;
  x: number;
  y: number;
  count: number;
  clients: string[];
  /** True for the "+N more" rest of an expanded group. */
  rest: boolean;
}

export type ClientNode = ClientDot | ClientGroup;

export interface StageLayout {
  width: number;
  height: number;
  servers: ServerBox[];
  clients: ClientNode[];
  /** client id -> the node that stands for it (a dot, or its group). */
  clientNode: Record<string, ClientNode>;
  redis: { x: number; y: number; w: number; h: number };
  compact: boolean;
}

export interface LayoutInput {
  width: number;
  height: number;
  servers: readonly { id: string }[];
  clients: readonly { id: string; server: string }[];
  /** Servers whose client group is unfolded. */
  expanded?: readonly string[];
  /** More clients than this on one server fold into a group. */
  foldAt?: number;
}

export const FOLD_AT = 8;

/** A cubic link like d3.linkHorizontal: the path string of an edge. */
const link = linkHorizontal<{ source: Point; target: Point }, Point>()
  .x((p) => p.x)
  .y((p) => p.y);

export function linkPath(from: Point, to: Point): string {
  return link({ source: from, target: to }) ?? '';
}

/** The point at `p` (0..1) along linkPath(from, to): the same cubic Bézier D3 draws. */
export function pointOnLink(from: Point, to: Point, p: number): Point {
  const mx = (from.x + to.x) / 2;
  const u = 1 - p;
  const a = u * u * u;
  const b = 3 * u * u * p;
  const c = 3 * u * p * p;
  const d = p * p * p;
  return {
    x: a * from.x + b * mx + c * mx + d * to.x,
    y: a * from.y + b * from.y + c * to.y + d * to.y,
  };
}

export function layoutStage(input: LayoutInput): StageLayout {
  const { width, height } = input;
  const compact = width < 700;
  const foldAt = input.foldAt ?? FOLD_AT;
  const expanded = new Set(input.expanded ?? []);
  const n = Math.max(1, input.servers.length);
  const pad = compact ? 8 : 16;

  const band = scaleBand<string>()
    .domain(input.servers.map((s) => s.id))
    .range([pad, height - pad])
    .paddingInner(0.12);
  const bw = input.servers.length ? band.bandwidth() : height - 2 * pad;

  const serverW = Math.min(compact ? 96 : 150, width * 0.24);
  const serverH = Math.max(26, Math.min(compact ? 64 : 84, bw));
  const serverX = width * (compact ? 0.42 : 0.44);
  const redisW = Math.min(compact ? 96 : 210, width * 0.24);
  const redis = {
    x: width - redisW - pad,
    y: pad,
    w: redisW,
    h: height - 2 * pad,
  };
  const slot = redis.h / n;
  const lineGap = Math.min(10, serverH / 5);

  const servers: ServerBox[] = input.servers.map((s, i) => {
    const y = (band(s.id) ?? pad) + bw / 2;
    const x = serverX;
    return {
      id: s.id,
      x,
      y,
      w: serverW,
      h: serverH,
      left: { x: x - serverW / 2, y },
      pub: { x: x + serverW / 2, y: y - lineGap },
      sub: { x: x + serverW / 2, y: y + lineGap },
      redisPub: { x: redis.x, y: redis.y + slot * (i + 0.35) },
      redisSub: { x: redis.x, y: redis.y + slot * (i + 0.65) },
      band: [y - bw / 2, y + bw / 2],
    };
  });

  const clients: ClientNode[] = [];
  const clientNode: Record<string, ClientNode> = {};
  const colLeft = pad + (compact ? 6 : 10);
  const colRight = serverX - serverW / 2 - (compact ? 24 : 60);
  const colW = Math.max(20, colRight - colLeft);

  for (const server of servers) {
    const mine = input.clients.filter((c) => c.server === server.id);
    if (mine.length === 0) continue;
    const [top, bottom] = server.band;
    const h = bottom - top;
    const r = compact ? 4 : 6;
    const pitchX = compact ? 14 : 58;
    const pitchY = compact ? 12 : 18;
    const cols = Math.max(1, Math.floor(colW / pitchX));
    const rows = Math.max(1, Math.floor(h / pitchY));
    const capacity = cols * rows;
    const unfold = mine.length <= foldAt || expanded.has(server.id);
    const dots = unfold ? mine.slice(0, mine.length > capacity ? capacity - 1 : capacity) : [];
    const usedRows = Math.min(rows, Math.ceil(dots.length / cols));
    dots.forEach((c, k) => {
      const row = Math.floor(k / cols);
      const col = k % cols;
      const node: ClientDot = {
        kind: 'client',
        id: c.id,
        server: server.id,
        x: colLeft + r + col * pitchX,
        y: server.y + (row - (usedRows - 1) / 2) * pitchY,
        r,
        labelled: !compact,
      };
      clients.push(node);
      clientNode[c.id] = node;
    });
    const folded = mine.slice(dots.length);
    if (folded.length > 0) {
      const group: ClientGroup = {
        kind: 'group',
        id: `group:${server.id}`,
        server: server.id,
        x: dots.length ? colRight - (compact ? 10 : 24) : colLeft + colW / 2,
        y: server.y,
        count: folded.length,
        clients: folded.map((c) => c.id),
        rest: dots.length > 0,
      };
      clients.push(group);
      for (const c of folded) clientNode[c.id] = group;
    }
  }
  return { width, height, servers, clients, clientNode, redis, compact };
}
