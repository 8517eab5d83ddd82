import { describe, expect, it } from 'vitest';
import { paintParticles, type Palette } from './particle-paint.ts';
import type { Drawable } from './particles.ts';

/** A 2D context that writes down the words it is asked to write; 8 units a character. */
function recorder() {
  const words: string[] = [];
  const ctx = new Proxy(
    {
      fillText: (t: string) => words.push(t),
      measureText: (t: string) => ({ width: 8 * t.length }),
    } as Record<string, unknown>,
    { get: (o, k) => (k in o ? o[k as string] : () => {}), set: () => true },
  );
  return { ctx: ctx as unknown as CanvasRenderingContext2D, words };
}

const palette = new Proxy({}, { get: () => '#000' }) as Palette;
const word = (label: string, x: number, y: number, standing: boolean): Drawable => ({
  kind: standing ? 'reply' : 'publish',
  at: { x, y },
  mark: null,
  alpha: 1,
  label,
  labelAt: standing ? { x, y } : undefined,
  arrived: standing,
  travel: 0.5,
});

describe('paintParticles: words', () => {
  const o = { r: 5, font: 14, fontFamily: 'sans', palette, follow: null };

  it('writes words that stand apart', () => {
    const { ctx, words } = recorder();
    paintParticles(
      ctx,
      [word('10 receivers', 100, 100, true), word('PUBLISH · 88 B', 100, 200, false)],
      o,
    );
    expect(words).toEqual(['10 receivers', 'PUBLISH · 88 B']);
  });

  it('never writes a word across another: the one standing in place wins', () => {
    const { ctx, words } = recorder();
    // The travelling word is written 2.6 radii above its particle: onto the standing one.
    paintParticles(
      ctx,
      [word('PUBLISH · 88 B', 110, 113, false), word('10 receivers', 100, 100, true)],
      o,
    );
    expect(words).toEqual(['10 receivers']);
  });
});
