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
}

export type ClientNode = ClientDot | ClientGroup;

/** More clients than this on one server fold into a group, even where rows would fit. */
export const FOLD_AT = 8;

export interface ClientColumnInput {
  clients: readonly { id: string; server: string }[];
  servers: readonly ServerBox[];
  /** The column: from x0 to x1 (the dots sit at its right). */
  x0: number;
  x1: number;
  font: number;
  expanded: ReadonlySet<string>;
  measure: Measure;
}

export function clientWidthWanted(
  clients: readonly { id: string; server: string }[],
  font: number,
  measure: Measure,
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
    const gr = 0.3 * font;
    const gp = 0.95 * font;
    const right = x1 - 4 * font;
    const cols = Math.max(1, Math.floor((right - x0) / gp));
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
