/**
 * The balancer on the stage: each HTTP request it passed on as a flight from the client, through
 * the bar (balancer-column.ts places it), to the server that got it, with the server's answer.
 * Pure math and words; BalancerNode.svelte draws them.
 */
import type { HttpRequest, LabEvent, TransportUpgrade } from '../../../../trace/events.ts';
import type { BalancerBox } from './balancer-column.ts';
import type { Point } from './curves.ts';
import type { Measure } from './text-measure.ts';

/** The label that fits `room` units at this font: the whole answer, or its status alone. */
export function fittingLabel(f: Flight, room: number, font: number, measure: Measure): string {
  return measure(f.label, 'sans', font) <= room ? f.label : f.short;
}

export type FlightTone = 'ok' | 'refused' | 'upgrade';

export interface Flight {
  key: string;
  server: string;
  tone: FlightTone;
  /** What the server answered, short enough for the stage. */
  label: string;
  /** The status alone, where the gap between the bar and the server is narrow (a phone). */
  short: string;
  /** Client → bar → server, as an SVG path. */
  path: string;
  /** Where the label starts: just past the bar, above the server's line. */
  at: Point;
  /** How many units the label may take before it reaches the server. */
  room: number;
}

/** The stage's words for an answer: `GET 200`, `POST 200`, `101 WebSocket`, `400 Session ID unknown`. */
export function answerLabel(e: HttpRequest | TransportUpgrade): string {
  if (e.kind === 'transport.upgrade') return 'upgraded';
  if (e.status === 101) return '101 WebSocket';
  if (e.status >= 400) return `${e.status} ${e.error ?? ''}`.trim();
  return `${e.method} ${e.status}`;
}

function toneOf(e: HttpRequest | TransportUpgrade): FlightTone {
  if (e.kind === 'transport.upgrade' || e.status === 101) return 'upgrade';
  return e.status >= 400 ? 'refused' : 'ok';
}

/** Requests the balancer passed on, and upgrades it saw through; null for anything else. */
export function isBalanced(e: LabEvent): e is HttpRequest | TransportUpgrade {
  return (e.kind === 'http.request' || e.kind === 'transport.upgrade') && !!e.balancer;
}

export function flightOf(
  e: HttpRequest | TransportUpgrade,
  key: string,
  bar: BalancerBox,
  clientAt: (client: string) => Point | undefined,
  font: number,
): Flight | null {
  const end = bar.ends[e.server];
  if (!end) return null;
  const start = (e.client && clientAt(e.client)) || { x: bar.x - bar.w, y: end.from.y };
  const f = (n: number) => Math.round(n * 10) / 10;
  return {
    key,
    server: e.server,
    tone: toneOf(e),
    label: answerLabel(e),
    short: e.kind === 'transport.upgrade' ? '⇧' : String(e.status),
    path: `M${f(start.x)},${f(start.y)} L${f(end.from.x)},${f(end.from.y)} L${f(end.to.x)},${f(end.to.y)}`,
    at: { x: bar.textX, y: end.from.y - 0.35 * font },
    room: end.to.x - bar.textX - 0.2 * font,
  };
}

/**
 * Which recorded events are new since the last look. `seen` is the count of events recorded
 * since the start (folded ones included) at the last look, -1 before the first; the timeline
 * keeps `kept` events after `folded` let go from its front. Counting from the start, not by
 * index, keeps a fold from skipping the events that arrived with it. A timeline that starts
 * again (a reset, another trace) has fewer events than were seen: nothing before it is new.
 */
export function newSince(
  seen: number,
  folded: number,
  kept: number,
): { from: number; seen: number } {
  const total = folded + kept;
  const since = seen < 0 || seen > total ? total : seen;
  return { from: Math.max(0, since - folded), seen: total };
}
