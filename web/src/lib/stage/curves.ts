/**
 * Every line on the stage and every particle's path is one cubic Bézier in stage units, so the
 * SVG draws exactly the curve a particle travels. Pure math, tested without a browser.
 */
export interface Point {
  x: number;
  y: number;
}

export interface Curve {
  from: Point;
  c1: Point;
  c2: Point;
  to: Point;
}

/** A left-to-right link, as d3.linkHorizontal draws it: lines into one point bundle there. */
export function link(from: Point, to: Point): Curve {
  const mx = (from.x + to.x) / 2;
  return { from, c1: { x: mx, y: from.y }, c2: { x: mx, y: to.y }, to };
}

/** A bracket bulging left by `bulge`: Redis's match from a channel to its pattern. */
export function bracket(from: Point, to: Point, bulge: number): Curve {
  const x = Math.min(from.x, to.x) - bulge;
  return { from, c1: { x, y: from.y }, c2: { x, y: to.y }, to };
}

/** A curve that stays where it is: a mark shown at one point. */
export function still(at: Point): Curve {
  return { from: at, c1: at, c2: at, to: at };
}

export function reverse(c: Curve): Curve {
  return { from: c.to, c1: c.c2, c2: c.c1, to: c.from };
}

export function pointOn(c: Curve, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const d = 3 * u * t * t;
  const e = t * t * t;
  return {
    x: a * c.from.x + b * c.c1.x + d * c.c2.x + e * c.to.x,
    y: a * c.from.y + b * c.c1.y + d * c.c2.y + e * c.to.y,
  };
}

const n = (v: number) => Math.round(v * 10) / 10;

export function curvePath(c: Curve): string {
  return `M${n(c.from.x)},${n(c.from.y)}C${n(c.c1.x)},${n(c.c1.y)},${n(c.c2.x)},${n(c.c2.y)},${n(c.to.x)},${n(c.to.y)}`;
}
