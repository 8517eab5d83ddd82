import { describe, expect, it } from 'vitest';
import type { ClassVoteInfo } from '../../../../trace/lab-info.ts';
import { voteBars } from './vote-bars.ts';

const vote = (counts: number[], outcome?: ClassVoteInfo['outcome']): ClassVoteInfo => ({
  id: 1,
  question: 'Who receives it?',
  choices: counts.map((_, i) => `choice ${i}`),
  counts,
  voters: counts.reduce((a, b) => a + b, 0),
  open: !outcome,
  outcome,
});

describe('voteBars', () => {
  it('gives the most voted choice the full width and the others their share of it', () => {
    const bars = voteBars(vote([2, 8, 4]), 400, 300);
    expect(bars.map((b) => b.width)).toEqual([100, 400, 200]);
    expect(bars.map((b) => b.share)).toEqual([2 / 14, 8 / 14, 4 / 14]);
  });

  it('stacks one row per choice inside the height, in order, none overlapping', () => {
    const bars = voteBars(vote([1, 1, 1, 1]), 100, 200);
    for (let i = 1; i < bars.length; i++)
      expect(bars[i].y).toBeGreaterThanOrEqual(bars[i - 1].y + bars[i - 1].height);
    const last = bars[bars.length - 1];
    expect(last.y + last.height).toBeLessThanOrEqual(200);
  });

  it('draws no bar before the first vote, and marks what fits once the step ran', () => {
    expect(voteBars(vote([0, 0]), 100, 100).map((b) => [b.width, b.share])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const ran = voteBars(vote([3, 1], { fits: [1], observed: 'c1, c3' }), 100, 100);
    expect(ran.map((b) => b.fits)).toEqual([false, true]);
  });
});
