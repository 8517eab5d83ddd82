/**
 * The balancer on the stage: where its bar stands (between the clients and the servers), and
 * each HTTP request it passed on as a flight from the client, through the bar, to the server
 * that got it, with the server's answer. Pure math and words; BalancerNode.svelte draws them.
 */
import type { HttpRequest, LabEvent, TransportUpgrade } from '../../../../trace/events.ts';

export interface Point {
  x: number;
  y: number;
}

/** What the bar needs of the stage's layout (both the server boxes and the client column). */
export interface BalancerStage {
  servers: readonly { id: string; left: Point; band: readonly [number, number] }[];
  /** The right edge of the client column (where the clients' lines leave). */
  clientsRight: number;
  /** Where a client is drawn, when it is. */
  clientAt: (client: string) => Point | undefined;
}

export interface BalancerBar {
  x: number;
  top: number;
  bottom: number;
  /** Per server: where its line leaves the bar, and where it reaches the server. */
  ends: Record<string, { from: Point; to: Point }>;
}

export function balancerBar(stage: BalancerStage): BalancerBar | null {
  if (stage.servers.length === 0) return null;
  const left = Math.min(...stage.servers.map((s) => s.left.x));
  const x = (Math.max(0, stage.clientsRight) + left) / 2;
  const ends: BalancerBar['ends'] = {};
  for (const s of stage.servers) ends[s.id] = { from: { x, y: s.left.y }, to: s.left };
  return {
    x,
    top: Math.min(...stage.servers.map((s) => s.band[0])),
    bottom: Math.max(...stage.servers.map((s) => s.band[1])),
    ends,
  };
}

/** The label that fits `room` units at this font (labels are about 0.6 em a character). */
export function fittingLabel(f: Flight, room: number, font: number): string {
  return f.label.length * 0.6 * font <= room ? f.label : f.short;
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
  bar: BalancerBar,
  stage: BalancerStage,
): Flight | null {
  const end = bar.ends[e.server];
  if (!end) return null;
  const start = (e.client && stage.clientAt(e.client)) || { x: bar.x - 40, y: end.from.y };
  const f = (n: number) => Math.round(n * 10) / 10;
  return {
    key,
    server: e.server,
    tone: toneOf(e),
    label: answerLabel(e),
    short: e.kind === 'transport.upgrade' ? '⇧' : String(e.status),
    path: `M${f(start.x)},${f(start.y)} L${f(end.from.x)},${f(end.from.y)} L${f(end.to.x)},${f(end.to.y)}`,
    at: { x: end.from.x + 10, y: end.from.y - 5 },
  };
}
