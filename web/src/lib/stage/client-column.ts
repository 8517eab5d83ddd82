/**
 * Clients on the left, in their server's band: one row each, the label left of the dot so the
 * WebSocket line leaves to the right and never crosses a label. A server with more clients
 * than rows folds them into a group; an unfolded group is a grid of unlabelled dots.
 */
import type { ServerBox } from './server-column.ts';
import type { Measure } from './text-measure.ts';

export interface ClientDot {
  kind: 'client';
  id: string;
  server: string;
  x: number;
  y: number;
  r: number;
  /** Drawn with its label (left of the dot) and a line of its own. */
  labelled: boolean;
  /** The area a click picks it in: its label and its dot. */
  hit: { x: number; y: number; w: number; h: number };
  /** Where hops to it end and its marks sit (markPoint). */
  at: { x: number; y: number };
}

export interface ClientGroup {
  kind: 'group';
  id: string;
  server: string;
  x: number;
  y: number;
  w: number;
  h: number;
  count: number;
  clients: string[];
  /** The pill of an unfolded group: what did not fit (`+N`, maybe none), and the way to fold it. */
  rest: boolean;
  /** What the pill says: `12 ▸`, `+4 ▴`. */
  text: string;
  /** Where hops to its clients end and their marks sit: right of the pill, never on its count. */
  at: { x: number; y: number };
}

export type ClientNode = ClientDot | ClientGroup;

/** More clients than this on one server fold into a group, even where rows would fit. */
export const FOLD_AT = 8;

/**
 * A hop's mark at a client, in label sizes around where it sits (particle-paint.ts, particles of
 * 0.42 label sizes): the receipt's ring reaches MARK_R around it, and the ✓ beside the ring MARK_REACH
 * up and right. A labelled client's or a group's mark sits MARK_R right of the node, on its
 * WebSocket line, so it never covers a label or a count.
 */
export const MARK_R = 0.8;
export const MARK_REACH = 1.45;

/** The box a mark at `at` may cover. */
export function markBox(at: { x: number; y: number }, font: number) {
  return {
    x: at.x - MARK_R * font,
    y: at.y - MARK_REACH * font,
    w: (MARK_R + MARK_REACH) * font,
    h: (MARK_R + MARK_REACH) * font,
  };
}

function markPoint(rightEdge: number, y: number, font: number): { x: number; y: number } {
  return { x: rightEdge + MARK_R * font, y };
}

export interface ClientColumnInput {
  clients: readonly { id: string; server: string }[];
  servers: readonly ServerBox[];
  /** The column: from x0 to x1 (the dots sit at its right). */
  x0: number;
  x1: number;
  font: number;
  expanded: ReadonlySet<string>;
  measure: Measure;
  /** A phone: an unfolded group is listed in the Clients panel, not drawn as a grid of dots. */
  compact?: boolean;
}

/** An unfolded group's grid: dot radius and pitch, in label sizes; columns it asks room for. */
const GRID_R = 0.3;
const GRID_PITCH = 0.95;
const GRID_COLS = 8;

export function clientWidthWanted(
  clients: readonly { id: string; server: string }[],
  font: number,
  measure: Measure,
  expanded: ReadonlySet<string> = new Set(),
): number {
  let w = 0;
  const perServer = new Map<string, number>();
  for (const c of clients) {
    w = Math.max(w, measure(c.id, 'sans', font) + 1.6 * font);
    perServer.set(c.server, (perServer.get(c.server) ?? 0) + 1);
  }
  // Room for a folded group's pill, where a server has enough clients to fold.
  const most = Math.max(0, ...perServer.values());
  if (most > 3) w = Math.max(w, measure(`+${most} ▴`, 'bold', font) + 1.4 * font);
  // An unfolded group asks for room for its grid left of its pill (what the stage can spare).
  for (const [server, n] of perServer)
    if (n > FOLD_AT && expanded.has(server))
      w = Math.max(
        w,
        measure(`+${n} ▴`, 'bold', font) + (MARK_R + MARK_REACH + GRID_COLS * GRID_PITCH) * font,
      );
  return Math.max(3.6 * font, w);
}

/** A group's pill at the right of the column: `12 ▸` folded, `+4 ▴` (or `▴`) unfolded. */
function pill(
  server: ServerBox,
  ids: string[],
  input: ClientColumnInput,
  rest: boolean,
): ClientGroup {
  const { font } = input;
  const text = rest ? (ids.length ? `+${ids.length} ▴` : '▴') : `${ids.length} ▸`;
  const w = Math.max(2.6 * font, input.measure(text, 'bold', font) + 1.2 * font);
  return {
    kind: 'group',
    id: `group:${server.id}`,
    server: server.id,
    x: input.x1 - w / 2,
    y: server.y,
    w,
    h: 1.5 * font,
    count: ids.length,
    clients: ids,
    rest,
    text,
    at: markPoint(input.x1, server.y, font),
  };
}

export function layoutClients(input: ClientColumnInput): {
  nodes: ClientNode[];
  byClient: Record<string, ClientNode>;
} {
  const { font, x0, x1 } = input;
  const nodes: ClientNode[] = [];
  const byClient: Record<string, ClientNode> = {};
  const r = 0.42 * font;
  const pitch = 1.45 * font;
  for (const server of input.servers) {
    const mine = input.clients.filter((c) => c.server === server.id);
    if (mine.length === 0) continue;
    const [top, bottom] = server.band;
    const rows = Math.max(1, Math.floor((bottom - top) / pitch));
    const ids = mine.map((c) => c.id);
    if (mine.length <= Math.min(rows, FOLD_AT)) {
      const dotX = x1 - r;
      mine.forEach((c, k) => {
        const y = server.y + (k - (mine.length - 1) / 2) * pitch;
        const labelW = input.measure(c.id, 'sans', font);
        const dot: ClientDot = {
          kind: 'client',
          id: c.id,
          server: server.id,
          x: dotX,
          y,
          r,
          labelled: labelW + 0.4 * font + 2 * r <= x1 - x0,
          hit: {
            x: dotX - r - 0.3 * font - labelW,
            y: y - pitch / 2,
            w: labelW + 0.3 * font + 2 * r,
            h: pitch,
          },
          at: markPoint(dotX + r, y, font),
        };
        nodes.push(dot);
        byClient[c.id] = dot;
      });
      continue;
    }
    if (!input.expanded.has(server.id)) {
      const group = pill(server, ids, input, false);
      nodes.push(group);
      for (const id of ids) byClient[id] = group;
      continue;
    }
    // Unfolded: a grid of small dots left of the pill, as many as fit; the pill folds them again.
    // All of them are listed in the Clients panel; on a phone only there, since a grid of dots
    // too small to tap one by one is a pile.
    const gr = GRID_R * font;
    const gp = GRID_PITCH * font;
    // Left of the widest pill by a mark's width, so a receipt's ring on a dot misses the pill.
    const right = x1 - pill(server, ids, input, true).w - MARK_REACH * font - gr;
    const cols = Math.floor((right - x0 - gr) / gp) + 1;
    if (input.compact || cols < 1) {
      const group = pill(server, ids, input, true);
      nodes.push({ ...group, text: `${ids.length} ▴` });
      for (const id of ids) byClient[id] = group;
      continue;
    }
    const gridRows = Math.max(1, Math.floor((bottom - top) / gp));
    const shown = ids.slice(0, cols * gridRows);
    const usedRows = Math.ceil(shown.length / cols);
    shown.forEach((id, k) => {
      const x = right - (k % cols) * gp;
      const y = server.y + (Math.floor(k / cols) - (usedRows - 1) / 2) * gp;
      const dot: ClientDot = {
        kind: 'client',
        id,
        server: server.id,
        x,
        y,
        r: gr,
        labelled: false,
        hit: { x: x - gp / 2, y: y - gp / 2, w: gp, h: gp },
        at: { x, y },
      };
      nodes.push(dot);
      byClient[id] = dot;
    });
    const rest = ids.slice(shown.length);
    const group = pill(server, rest, input, true);
    nodes.push(group);
    for (const id of rest) byClient[id] = group;
  }
  return { nodes, byClient };
}
