/**
 * A stream drawn as a log inside its Redis node: a row of cells, one per entry (the newest on the
 * right, where XADD appends), a first cell that stands for the older entries (or for what MAXLEN ~
 * trimmed), and under the row each server's read position: the entry its XREAD last returned.
 */
import type { StreamLog } from '../redis/redis-scene.ts';

export interface LogCell {
  x: number;
  y: number;
  w: number;
  h: number;
  /** What the cell shows: the entry's number, or `…` / `✂` for the older ones. */
  text: string;
  /** The tooltip: the entry id, who added it and what it carries. */
  title: string;
  older?: boolean;
}

export interface LogBox {
  cells: LogCell[];
  /** Server names under the cell they read last (`x` its middle). */
  readers: { x: number; y: number; text: string; anchor: 'start' | 'middle' | 'end' }[];
}

/** The height a log takes inside its node. */
export function logHeight(font: number): number {
  return 3.3 * font;
}

export function layoutLog(
  log: StreamLog,
  area: { x: number; y: number; w: number },
  font: number,
): LogBox {
  const cellW = 2.4 * font;
  const h = 1.5 * font;
  const fit = Math.max(1, Math.floor(area.w / cellW));
  // One cell stands for every entry older than the ones drawn: trimmed, not kept by the page,
  // or not room enough.
  const hasOlder = log.trimmed || log.appended > log.entries.length || log.entries.length > fit;
  const shown = log.entries.slice(-(hasOlder ? fit - 1 : fit));
  const first = log.entries.length - shown.length;
  const cells: LogCell[] = [];
  if (hasOlder)
    cells.push({
      x: area.x,
      y: area.y,
      w: cellW,
      h,
      text: log.trimmed ? '✂' : '…',
      title: log.trimmed
        ? `older entries trimmed: MAXLEN ~ ${log.maxLen} drops whole nodes of entries`
        : `${log.appended - shown.length} older entries`,
      older: true,
    });
  for (const e of shown)
    cells.push({
      x: area.x + cells.length * cellW,
      y: area.y,
      w: cellW,
      h,
      text: String(e.n),
      title: `entry ${e.id} · XADD by ${e.server}${e.event ? ` · "${e.event}"` : ''}`,
    });
  // Servers that read the same entry share one label under it.
  const byCell = new Map<number, string[]>();
  for (const r of log.readers) {
    const i = r.at - first;
    const cell = i >= 0 ? cells.findIndex((c) => !c.older) + i : 0;
    byCell.set(cell, [...(byCell.get(cell) ?? []), r.server]);
  }
  // Labels at the ends of the row stay inside it.
  const readers = [...byCell].map(([i, servers]) => {
    const x = cells[i]?.x ?? area.x;
    const last = i === cells.length - 1 && i > 0;
    return {
      x: i === 0 ? x : last ? x + cellW : x + cellW / 2,
      y: area.y + h + 1.1 * font,
      text: `▲${servers.join(' ')}`,
      anchor: i === 0 ? ('start' as const) : last ? ('end' as const) : ('middle' as const),
    };
  });
  return { cells, readers };
}
