/**
 * The load balancer's place on the stage: a column of its own between the clients and the
 * servers, so it never sits on their labels. A bar as tall as the servers' bands holds its name
 * (written upwards, at the stage's one label size), and the gap between the bar and the servers
 * is where each server's answer and refusal count are written, above and below its line.
 */
import { MARK_R, MARK_REACH } from './client-column.ts';
import type { Point } from './curves.ts';
import type { Measure } from './text-measure.ts';

export interface BalancerBox {
  /** The bar's centre and width. */
  x: number;
  w: number;
  top: number;
  bottom: number;
  /** Per server: where its line leaves the bar, and where it reaches the server. */
  ends: Record<string, { from: Point; to: Point }>;
  /** Where answers and counts start, just past the bar. */
  textX: number;
}

/** Room left of the bar for the marks that sit right of the clients (client-column.ts MARK_R). */
const MARK_GAP = MARK_R + MARK_REACH;
const MARK_GAP_PHONE = 2 * MARK_R - 0.1;

/** The bar's width, in label sizes: the name written upwards fits inside it. */
const BAR = 1.5;

/**
 * Units the column asks for between the clients and the servers: a gap, the bar, and room past
 * it for a status (`400`) and a count (`✕3`); a wider stage gives the answers more (spare).
 */
export function balancerWidthWanted(font: number, compact: boolean): number {
  // A phone has no room for both in full: the answers keep room for a status (`400`), and the
  // marks room for a receipt's ring (its ✓ may touch the bar's edge).
  return font * (compact ? MARK_GAP_PHONE + BAR + 1.9 : MARK_GAP + BAR + 3.4);
}

export function layoutBalancer(input: {
  /** The clients' right edge and the servers' left edge. */
  x0: number;
  x1: number;
  servers: readonly { id: string; left: Point; band: readonly [number, number] }[];
  font: number;
  compact?: boolean;
}): BalancerBox | undefined {
  const { servers, font: F } = input;
  if (servers.length === 0) return undefined;
  const w = BAR * F;
  const room = Math.max(0, input.x1 - input.x0 - w);
  // Most of the gap goes past the bar, where the answers are written.
  const markGap = (input.compact ? MARK_GAP_PHONE : MARK_GAP) * F;
  const x = input.x0 + Math.max(markGap, Math.min(2 * F, 0.25 * room)) + w / 2;
  const ends: BalancerBox['ends'] = {};
  for (const s of servers) ends[s.id] = { from: { x: x + w / 2, y: s.left.y }, to: s.left };
  return {
    x,
    w,
    top: Math.min(...servers.map((s) => s.band[0])),
    bottom: Math.max(...servers.map((s) => s.band[1])),
    ends,
    textX: x + w / 2 + 0.3 * F,
  };
}

/** The bar's name, as long as its height allows: kind, mode and port, then less. */
export function balancerName(
  b: { kind: 'nginx' | 'node'; mode: string; port: number },
  height: number,
  font: number,
  measure: Measure,
): string {
  const who = b.kind === 'nginx' ? 'nginx' : 'Node proxy';
  const tries = [`${who} · ${b.mode} · :${b.port}`, `${b.mode} · :${b.port}`, b.mode, ''];
  return tries.find((t) => measure(t, 'sans', font) <= height - font) ?? '';
}
