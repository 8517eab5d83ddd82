/**
 * Redis on the right, drawn as what it holds: a title, then one node per channel or pattern the
 * adapter mode describes (lib/redis/), stacked so that every line arrives from the left without
 * crossing a node. A channel a pattern matches is joined to it by a bracket on the left, the way
 * Redis hands a PUBLISH from the channel to the pattern's subscribers.
 */
import type { RedisNodeSpec, RedisScene } from '../redis/redis-scene.ts';
import { bracket, type Curve, type Point } from './curves.ts';
import type { Measure } from './text-measure.ts';
import { layoutLog, logHeight, type LogBox } from './stream-log-layout.ts';

export interface NodeBox {
  spec: RedisNodeSpec;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The label as it fits (the full name is in `spec.name`). */
  label: string;
  /** A cluster node's role and slots, on a line of their own when the node is too narrow for one. */
  label2?: string;
  caption?: string;
  /** Where lines arrive: the middle of the left side. */
  anchor: Point;
  /** Where a PUBLISH's receiver count stands (target nodes only). */
  countAt?: Point;
  /** A stream's entries and read positions (stream-log-layout.ts). */
  log?: LogBox;
  /** A cluster node's lines under its caption, as they fit. */
  details: string[];
  /** Where the cluster bus joins it: the middle of its right side. */
  right: Point;
}

export interface RedisBox {
  x: number;
  y: number;
  w: number;
  h: number;
  /** The title's parts, as many as fit: `Redis`, version, state, kind. */
  title: { name: string; version?: string; state: string; kind?: string };
  nodes: NodeBox[];
  /** Channel → pattern: where Redis matches a PUBLISH to the pattern's subscribers. */
  matches: { from: string; to: string; curve: Curve }[];
  /** The mode's sentence when it keeps nothing in Redis, in lines that fit. */
  note: string[];
  /** A Redis Cluster's bus: the line on the right that joins every node to every other. */
  bus?: { x: number; y1: number; y2: number };
}

export interface RedisColumnInput {
  x: number;
  y: number;
  w: number;
  h: number;
  font: number;
  compact: boolean;
  scene: RedisScene;
  info: { version?: string; kind?: string; state: 'up' | 'down' | 'unknown' };
  measure: Measure;
}

const STATE = { up: '● up', down: '✕ down', unknown: '? unknown' } as const;

/** The widest node this scene wants, in units (its label, caption and padding). */
export function redisWidthWanted(scene: RedisScene, font: number, measure: Measure): number {
  let w = 9 * font;
  for (const n of scene.nodes)
    w = Math.max(
      w,
      measure(n.label, 'mono', font),
      measure(n.caption, 'sans', font),
      ...(n.details ?? []).map((d) => Math.min(measure(d, 'mono', font), 26 * font)),
    );
  return w + (scene.nodes.some((n) => n.kind === 'node') ? 6.2 : 4.4) * font;
}

/** `text` cut at its end until it fits: a detail line starts with what it counts. */
export function fitHead(text: string, width: number, measure: Measure, font: number): string {
  if (measure(text, 'mono', font) <= width) return text;
  for (let cut = text.length - 1; cut > 0; cut--) {
    const t = `${text.slice(0, cut)}…`;
    if (measure(t, 'mono', font) <= width) return t;
  }
  return '…';
}

/** `text` cut from the left until it fits: the end of a channel name tells them apart. */
export function fitTail(text: string, width: number, measure: Measure, font: number): string {
  if (measure(text, 'mono', font) <= width) return text;
  for (let cut = 1; cut < text.length; cut++) {
    const t = `…${text.slice(cut)}`;
    if (measure(t, 'mono', font) <= width) return t;
  }
  return '…';
}

const DOWN = ' ✕ down';

/**
 * A cluster node's label (`n1 · master 0-5460`), on two lines when one is too narrow: the name
 * over the role and slots, a down node's mark staying with its name.
 */
export function nodeLabel(
  label: string,
  width: number,
  measure: Measure,
  font: number,
): [string, string?] {
  if (measure(label, 'mono', font) <= width) return [label];
  const [name, ...rest] = label.split(' · ');
  let role = rest.join(' · ');
  const down = role.endsWith(DOWN);
  if (down) role = role.slice(0, -DOWN.length);
  const head = down ? `${name}${DOWN}` : name;
  const fit = (text: string) => fitHead(text, width, measure, font);
  const master = /^master (.+)$/.exec(role);
  // Narrower still (a phone): `n1 master` over `0-5460`, so the slots stay whole.
  if (master && measure(role, 'mono', font) > width) {
    const withRole = `${name} master`;
    return [
      fit(!down && measure(withRole, 'mono', font) <= width ? withRole : head),
      fit(master[1]),
    ];
  }
  return role ? [fit(head), fit(role)] : [fit(head)];
}

/** Words broken into lines no wider than `width`. */
export function wrap(text: string, width: number, measure: Measure, font: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next, 'sans', font) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

function fitTitle(input: RedisColumnInput, inner: number): RedisBox['title'] {
  const { font, measure, info } = input;
  const state = STATE[info.state];
  const name = input.scene.title;
  const tries: RedisBox['title'][] = [
    { name, version: info.version, state, kind: info.kind },
    { name, version: info.version, state },
    { name, state },
    { name: 'Redis', state },
  ];
  for (const t of tries) {
    const text = [t.name, t.version, t.state, t.kind && `· ${t.kind}`].filter(Boolean).join(' ');
    if (measure(text, 'bold', font) <= inner) return t;
  }
  return { name: 'Redis', state: state.slice(0, 1) };
}

export function layoutRedis(input: RedisColumnInput): RedisBox {
  const { x, y, w, h, font, measure, scene } = input;
  const pad = 0.6 * font;
  const inner = w - 2 * pad;
  const title = fitTitle(input, inner);
  const titleH = 2 * font;
  // Room on the left of the nodes for the brackets from channels to their pattern.
  const bulge = scene.nodes.some((n) => n.matchedBy) ? (input.compact ? 1 : 1.8) * font : 0;
  // Room on the right of a cluster's nodes for its bus.
  const busW = scene.nodes.some((n) => n.kind === 'node') ? (input.compact ? 1 : 1.8) * font : 0;
  const nodeX = x + pad + bulge;
  const nodeW = Math.max(2 * font, x + w - pad - busW - nodeX);
  const textW = nodeW - (input.compact ? 0.6 : 1.2) * font;
  // A caption too long for its node loses its first parts: `shard channel · SPUBLISH target ·
  // SSUBSCRIBEd by 3`, then `SPUBLISH target · SSUBSCRIBEd by 3`, then `SSUBSCRIBEd by 3`.
  const captionOf = (n: RedisNodeSpec): string | undefined => {
    if (input.compact) return undefined;
    const parts = n.caption.split(' · ');
    for (let i = 0; i < parts.length; i++) {
      const text = parts.slice(i).join(' · ');
      if (measure(text, 'sans', font) <= textW) return text;
    }
    return undefined;
  };
  let captions = scene.nodes.map(captionOf);
  let details = scene.nodes.map((n) =>
    input.compact ? [] : (n.details ?? []).map((d) => fitHead(d, textW, measure, font)),
  );
  // A channel's end tells it apart; a cluster node's name comes first.
  const labels = scene.nodes.map((n): [string, string?] =>
    n.kind === 'node'
      ? nodeLabel(n.label, textW, measure, font)
      : [fitTail(n.label, textW, measure, font)],
  );
  const logH = (i: number) => (scene.nodes[i].log && !input.compact ? logHeight(font) : 0);
  const boxHeight = (i: number) =>
    1.9 * font +
    (labels[i][1] ? 1.25 * font : 0) +
    (captions[i] ? 1.3 * font : 0) +
    details[i].length * 1.25 * font +
    logH(i);
  const heightOf = (i: number) => boxHeight(i) + (scene.nodes[i].target ? 1.5 * font : 0);
  const top = y + titleH;
  const room = y + h - pad - top;
  const totalOf = () => scene.nodes.reduce((a, _, i) => a + heightOf(i), 0);
  // Too tall (with the smallest gaps between): details go first, then captions.
  const tooTall = () => totalOf() + 0.3 * font * (scene.nodes.length + 1) > room;
  if (tooTall()) details = details.map(() => []);
  if (tooTall()) captions = captions.map(() => undefined);
  const total = totalOf();
  const gap = Math.max(0.3 * font, Math.min(2.5 * font, (room - total) / (scene.nodes.length + 1)));
  let cursor = top + gap;
  const nodes: NodeBox[] = scene.nodes.map((spec, i) => {
    const boxH = boxHeight(i);
    const logTop = cursor + boxH - logH(i);
    const node: NodeBox = {
      spec,
      x: nodeX,
      y: cursor,
      w: nodeW,
      h: boxH,
      label: labels[i][0],
      ...(labels[i][1] ? { label2: labels[i][1] } : {}),
      caption: captions[i],
      anchor: { x: nodeX, y: cursor + boxH / 2 },
      countAt: spec.target ? { x: nodeX + nodeW / 2, y: cursor + boxH + 1.1 * font } : undefined,
      log:
        spec.log && logH(i)
          ? layoutLog(spec.log, { x: nodeX + 0.5 * font, y: logTop, w: nodeW - font }, font)
          : undefined,
      details: details[i],
      right: { x: nodeX + nodeW, y: cursor + boxH / 2 },
    };
    cursor += heightOf(i) + gap;
    return node;
  });
  const byId = new Map(nodes.map((n) => [n.spec.id, n]));
  const matches: RedisBox['matches'] = [];
  for (const n of nodes) {
    const to = n.spec.matchedBy ? byId.get(n.spec.matchedBy) : undefined;
    if (!to) continue;
    const farther = Math.abs(to.anchor.y - n.anchor.y) > 4 * font ? 0.5 * font : 0;
    matches.push({
      from: n.spec.id,
      to: to.spec.id,
      curve: bracket(n.anchor, to.anchor, bulge * 0.7 + farther),
    });
  }
  const note = scene.note ? wrap(scene.note, inner, measure, font) : [];
  const bus =
    busW && nodes.length > 1
      ? { x: nodeX + nodeW + busW * 0.6, y1: nodes[0].right.y, y2: nodes[nodes.length - 1].right.y }
      : undefined;
  return { x, y, w, h, title, nodes, matches, note, ...(bus ? { bus } : {}) };
}
