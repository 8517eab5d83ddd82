/**
 * Drawing one frame of particles on the canvas, in stage units (the caller sets the transform).
 * Shape carries the hop kind as well as colour: WebSocket frame ●, PUBLISH ■ (also while Redis
 * matches it to the pattern), Redis's copy ◆, delivery •, Redis's answer ▲, receipt ○, lost ✕.
 * Particles of one kind and opacity are filled together: a few fills a frame, not one each.
 */
import type { Mark, SegmentKind } from './hop-animation.ts';
import type { Drawable } from './particles.ts';

export type Palette = Record<SegmentKind | 'mark' | 'panel', string>;

/** More words than this in one frame is load, not a lesson. */
export const MAX_LABELS = 24;

/** The CSS custom property each colour is read from. */
export const PALETTE_VARS: Record<keyof Palette, string> = {
  frame: '--c-frame',
  connect: '--c-frame',
  publish: '--c-publish',
  match: '--c-publish',
  bus: '--c-fanout',
  subscribe: '--c-fanout',
  reply: '--c-reply',
  fanout: '--c-fanout',
  deliver: '--c-deliver',
  arrive: '--c-deliver',
  lost: '--c-lost',
  down: '--c-lost',
  mark: '--fg',
  panel: '--panel',
};

const MARK_COLOR: Record<Mark, keyof Palette> = {
  cross: 'lost',
  check: 'deliver',
  own: 'mark',
  room: 'mark',
  drop: 'mark',
  none: 'mark',
};

function shape(ctx: CanvasRenderingContext2D, d: Drawable, r: number): void {
  const { x, y } = d.at;
  switch (d.kind) {
    case 'publish':
    case 'match':
    case 'bus':
    case 'subscribe':
      ctx.rect(x - r, y - r, r * 2, r * 2);
      break;
    case 'fanout':
      ctx.moveTo(x, y - r * 1.3);
      ctx.lineTo(x + r * 1.3, y);
      ctx.lineTo(x, y + r * 1.3);
      ctx.lineTo(x - r * 1.3, y);
      ctx.closePath();
      break;
    case 'reply':
      ctx.moveTo(x - r, y + r);
      ctx.lineTo(x + r, y + r);
      ctx.lineTo(x, y - r);
      ctx.closePath();
      break;
    case 'arrive':
      ctx.moveTo(x + r * 1.8, y);
      ctx.arc(x, y, r * 1.8, 0, Math.PI * 2);
      break;
    default: {
      const rr = d.kind === 'deliver' ? r * 0.8 : r;
      ctx.moveTo(x + rr, y);
      ctx.arc(x, y, rr, 0, Math.PI * 2);
    }
  }
}

function mark(ctx: CanvasRenderingContext2D, m: Mark, x: number, y: number, r: number): void {
  if (m === 'cross') {
    ctx.moveTo(x - r, y - r);
    ctx.lineTo(x + r, y + r);
    ctx.moveTo(x + r, y - r);
    ctx.lineTo(x - r, y + r);
  } else if (m === 'check') {
    ctx.moveTo(x - r, y);
    ctx.lineTo(x - r / 3, y + r * 0.7);
    ctx.lineTo(x + r, y - r * 0.8);
  } else if (m === 'own') {
    // ↺: its own message comes back and is dropped.
    ctx.moveTo(x + r * Math.cos(Math.PI * 0.3), y + r * Math.sin(Math.PI * 0.3));
    ctx.arc(x, y, r, Math.PI * 0.3, Math.PI * 1.9);
  } else {
    // ∅: unknown room, or dropped for another reason.
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.moveTo(x - r, y + r);
    ctx.lineTo(x + r, y - r);
  }
}

/** Groups drawables by a key and quantised opacity (4 levels). */
function batch(list: Drawable[], key: (d: Drawable) => string | null, follow: string | null) {
  const out = new Map<string, Drawable[]>();
  for (const d of list) {
    const k = key(d);
    if (k === null) continue;
    const alpha = follow && d.flow !== follow ? 0.15 * d.alpha : d.alpha;
    const full = `${k}|${Math.ceil(alpha * 4)}`;
    let l = out.get(full);
    if (!l) out.set(full, (l = []));
    l.push(d);
  }
  return out;
}

export interface PaintOptions {
  /** A particle's radius and the label size, in units. */
  r: number;
  font: number;
  fontFamily: string;
  palette: Palette;
  /** The followed message: the others are drawn faint. */
  follow: string | null;
}

export function paintParticles(
  ctx: CanvasRenderingContext2D,
  drawables: Drawable[],
  o: PaintOptions,
): void {
  const { r, palette } = o;
  ctx.lineWidth = r / 3;
  for (const [key, list] of batch(drawables, (d) => d.kind, o.follow)) {
    const [kind, level] = key.split('|') as [SegmentKind, string];
    ctx.globalAlpha = Number(level) / 4;
    ctx.beginPath();
    for (const d of list) shape(ctx, d, r);
    if (kind === 'arrive') {
      ctx.strokeStyle = palette[kind];
      ctx.stroke();
    } else {
      ctx.fillStyle = palette[kind];
      ctx.fill();
    }
  }
  ctx.lineWidth = r / 2;
  for (const [key, list] of batch(drawables, (d) => d.mark, o.follow)) {
    const [m, level] = key.split('|') as [Mark, string];
    ctx.globalAlpha = Number(level) / 4;
    ctx.strokeStyle = palette[MARK_COLOR[m]];
    ctx.beginPath();
    for (const d of list) mark(ctx, m, d.at.x + r * 2.2, d.at.y - r * 2.2, r * 1.1);
    ctx.stroke();
  }
  // Words: a PUBLISH's size beside it while it travels; the receiver count at its channel and a
  // server's decision at its sub end, where they stand on a patch of the panel so they read.
  // Under load they would only pile up on each other: then the shapes speak alone.
  const worded = drawables.filter((d) => d.label);
  ctx.globalAlpha = 1;
  if (worded.length > MAX_LABELS) return;
  ctx.font = `600 ${o.font}px ${o.fontFamily}`;
  ctx.textBaseline = 'middle';
  for (const d of worded) {
    const label = d.label!;
    if (d.labelAt && d.kind === 'fanout' && !d.arrived) continue;
    // A label that travels shows only on the open line, not over where it starts or ends.
    if (!d.labelAt && (d.travel < 0.2 || d.travel > 0.85)) continue;
    const at = d.labelAt ?? { x: d.at.x, y: d.at.y - r * 2.6 };
    ctx.globalAlpha = o.follow && d.flow !== o.follow ? 0.15 * d.alpha : d.alpha;
    ctx.textAlign = d.labelAt && d.kind === 'fanout' ? 'left' : 'center';
    const w = ctx.measureText(label).width;
    const x0 = ctx.textAlign === 'left' ? at.x : at.x - w / 2;
    ctx.fillStyle = palette.panel;
    ctx.fillRect(x0 - r * 0.4, at.y - o.font * 0.62, w + r * 0.8, o.font * 1.24);
    ctx.fillStyle = palette.mark;
    ctx.fillText(label, at.x, at.y);
  }
  ctx.globalAlpha = 1;
}
