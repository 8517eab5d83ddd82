/**
 * How wide a label is, in stage units: the layout sizes boxes to their text instead of clipping
 * it. The page measures with a canvas in the stage's own fonts; tests and the first layout use
 * widths a little wider than DejaVu Sans and Mono (Debian's defaults), so a guess never clips.
 */
export type FontKind = 'sans' | 'bold' | 'mono';
export type Measure = (text: string, font: FontKind, size: number) => number;

const EM: Record<FontKind, number> = { sans: 0.62, bold: 0.7, mono: 0.62 };

export const approxMeasure: Measure = (text, font, size) => text.length * size * EM[font];

/** Measures with a 2D canvas in the given CSS font families, remembering each answer. */
export function canvasMeasure(
  ctx: CanvasRenderingContext2D,
  families: { sans: string; mono: string },
): Measure {
  const cache = new Map<string, number>();
  return (text, font, size) => {
    const key = `${font}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      // Measured at 100 units and scaled: the same answer whatever size asks.
      ctx.font = `${font === 'bold' ? '700 ' : ''}100px ${font === 'mono' ? families.mono : families.sans}`;
      w = ctx.measureText(text).width / 100;
      if (cache.size > 4000) cache.clear();
      cache.set(key, w);
    }
    return w * size;
  };
}
