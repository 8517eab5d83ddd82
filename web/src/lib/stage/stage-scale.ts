/**
 * One coordinate system for the stage: everything is laid out in stage units and the SVG's
 * viewBox (and the particle canvas's transform) scales units to pixels by `k`. The stage is
 * designed for a box of about 720×400 units (620×330 in the projector theme, so everything is
 * bigger there); a larger screen gets a larger `k`, so shapes and text grow with it.
 */

/** Every stage label is this many units tall: one number decides how readable the stage is. */
export const LABEL = 14;

export interface StageScale {
  /** Pixels per unit. */
  k: number;
  /** The stage's size in units (the viewBox). */
  width: number;
  height: number;
  /** A narrow stage (a phone): captions and side labels give way to the shapes. */
  compact: boolean;
}

/** The box the layout needs for `servers` servers, in units. */
export function designBox(
  theme: string,
  servers: number,
  narrow: boolean,
): { w: number; h: number } {
  // Each server past three needs a little more height, so ten servers still get readable rows.
  const extra = 22 * Math.max(0, servers - 3);
  if (narrow) return { w: 380, h: 360 + extra };
  return theme === 'projector' ? { w: 620, h: 330 + extra } : { w: 720, h: 400 + extra };
}

/** Below this many pixels wide the stage is a phone's. */
export const NARROW_PX = 600;

export function stageScale(
  px: { width: number; height: number },
  theme: string,
  servers: number,
): StageScale {
  const w = Math.max(1, px.width);
  const h = Math.max(1, px.height);
  const box = designBox(theme, servers, w < NARROW_PX);
  const k = Math.min(w / box.w, h / box.h);
  const width = w / k;
  return { k, width, height: h / k, compact: width < 520 };
}
