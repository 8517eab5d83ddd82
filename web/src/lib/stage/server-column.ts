/**
 * The servers in the middle: one horizontal band each, top to bottom, a box sized to its text,
 * and its two connection ends on the right edge (pub above, sub below: the duplicate()).
 * What a short band cannot hold goes first: the rooms, then a line of its own for the state.
 */
import { plural } from '../../../../trace/plural.ts';
import { scaleBand } from 'd3-scale';
import type { Point } from './curves.ts';
import type { Measure } from './text-measure.ts';

export interface ServerFacts {
  id: string;
  port: number;
  state: 'up' | 'down' | 'crashed';
  sockets: number;
  rooms: readonly { name: string; count: number }[];
  /** A standalone server (`npm run server`): only its own process can stop it. */
  remote?: boolean;
}

export interface ServerBox {
  id: string;
  /** Centre. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** The text rows, top to bottom: title (id and port), state, rooms. */
  rows: ServerRow[];
  /** Where WebSocket lines arrive (left edge). */
  left: Point;
  /** The pub and sub connections' ends (right edge). */
  pub: Point;
  sub: Point;
  /** The band this server and its clients use. */
  band: [number, number];
  /** Room beside the ends for the words `pub` and `sub`. */
  portLabels: boolean;
  /** Where a copy's decision is written (`✓ delivered to 2 sockets`), if the band has room. */
  decisionAt?: Point;
}

export interface ServerRow {
  kind: 'title' | 'state' | 'rooms';
  text: string;
  /** The title's port, written lighter after the id. */
  port?: string;
}

const STATE_MARK = { up: '●', down: '■', crashed: '✕' } as const;

export function socketCount(n: number): string {
  return plural(n, 'socket');
}

/** The state as the stage says it: a standalone server that runs reads `remote`, not `up`. */
export function stateWord(s: Pick<ServerFacts, 'state' | 'remote'>): string {
  return s.remote && s.state === 'up' ? 'remote' : s.state;
}

function rowsOf(s: ServerFacts, fit: 1 | 2 | 3, compact = false): ServerRow[] {
  const state = `${STATE_MARK[s.state]} ${stateWord(s)} · ${socketCount(s.sockets)}`;
  const title: ServerRow = { kind: 'title', text: s.id, port: ` :${s.port}` };
  if (fit === 1) return [{ ...title, port: ` ${STATE_MARK[s.state]} ${s.sockets}` }];
  // Narrow: the state and the socket count each get a row, so the box stays narrow.
  if (compact)
    return fit === 3
      ? [
          title,
          { kind: 'state', text: `${STATE_MARK[s.state]} ${stateWord(s)}` },
          { kind: 'rooms', text: socketCount(s.sockets) },
        ]
      : [title, { kind: 'state', text: `${STATE_MARK[s.state]} ${s.sockets}` }];
  const rows: ServerRow[] = [title, { kind: 'state', text: state }];
  if (fit === 3 && s.rooms.length) {
    const shown = s.rooms.slice(0, 3).map((r) => `${r.name}·${r.count}`);
    rows.push({ kind: 'rooms', text: shown.join(' ') + (s.rooms.length > 3 ? ' …' : '') });
  }
  return rows;
}

/** How wide the server boxes must be for their text. */
export function serverWidthWanted(
  servers: readonly ServerFacts[],
  font: number,
  measure: Measure,
  compact = false,
): number {
  let w = compact ? 4 * font : 6 * font;
  for (const s of servers)
    for (const r of rowsOf(s, 3, compact))
      w = Math.max(w, measure(r.text + (r.port ?? ''), r.kind === 'title' ? 'bold' : 'sans', font));
  return w + 1.4 * font;
}

export function layoutServers(input: {
  servers: readonly ServerFacts[];
  x: number;
  w: number;
  top: number;
  bottom: number;
  font: number;
  compact: boolean;
}): ServerBox[] {
  const { servers, x, w, font } = input;
  const band = scaleBand<string>()
    .domain(servers.map((s) => s.id))
    .range([input.top, input.bottom])
    .paddingInner(0.12);
  const bw = band.bandwidth();
  const row = 1.35 * font;
  const fit: 1 | 2 | 3 = bw >= 3 * row + 0.8 * font ? 3 : bw >= 2 * row + 0.6 * font ? 2 : 1;
  // Room for `pub` above and `sub` below the box, on every server or on the first only.
  const roomy = !input.compact && bw >= 4.6 * font;
  return servers.map((s, i) => {
    const rows = rowsOf(s, fit, input.compact);
    const h = Math.min(bw, rows.length * row + 0.8 * font);
    const y = (band(s.id) ?? input.top) + bw / 2;
    const gap = Math.min(h / 2 - 0.25 * font, 0.75 * font);
    const right = x + w;
    return {
      id: s.id,
      x: x + w / 2,
      y,
      w,
      h,
      rows,
      left: { x, y },
      pub: { x: right, y: y - gap },
      sub: { x: right, y: y + gap },
      band: [y - bw / 2, y + bw / 2],
      portLabels: roomy || (i === 0 && bw >= 3.2 * font && !input.compact),
      decisionAt:
        roomy && bw >= 6 * font ? { x: right + 0.7 * font, y: y + gap + 2.6 * font } : undefined,
    };
  });
}
