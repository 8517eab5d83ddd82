/** Frame times of a page, from a requestAnimationFrame loop inside it: what the class would see. */
import type { BrowserContext, Page } from 'playwright-core';
import { percentile, round1 as r1 } from './bench-stats.ts';

/**
 * tsx keeps function names with a `__name` helper that pages do not have: a function sent to
 * `page.evaluate` from a bench fails in the page without this.
 */
export async function shimNames(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript({ content: 'window.__name = (f) => f;' });
}

/** The intervals between the page's animation frames over `seconds`, in ms. */
export function frameDeltas(page: Page, seconds: number): Promise<number[]> {
  return page.evaluate(async (ms) => {
    const deltas: number[] = [];
    let last = performance.now();
    let done = false;
    const frame = (now: number) => {
      deltas.push(now - last);
      last = now;
      if (!done) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    await new Promise((r) => setTimeout(r, ms));
    done = true;
    return deltas.slice(1);
  }, seconds * 1000);
}

/** A frame longer than 1.5 vsyncs counts its missed vsyncs as dropped frames. */
export function frameStats(deltas: number[], vsync: number) {
  let dropped = 0;
  for (const d of deltas) if (d > vsync * 1.5) dropped += Math.round(d / vsync) - 1;
  return {
    frames: deltas.length,
    medianMs: r1(percentile(deltas, 50)),
    p95Ms: r1(percentile(deltas, 95)),
    p99Ms: r1(percentile(deltas, 99)),
    maxMs: r1(Math.max(...deltas)),
    droppedShare: Math.round((dropped / (dropped + deltas.length)) * 1000) / 1000,
  };
}
