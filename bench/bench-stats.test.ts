import { describe, expect, it } from 'vitest';
import { bootstrap, median } from './bench-stats.ts';

describe('bootstrap', () => {
  const ratios = [0.95, 0.97, 0.99, 1.0, 1.01, 1.02, 1.04, 1.1, 0.9, 1.0];

  it('gives the statistic of the items and a 95% interval around it', () => {
    const r = bootstrap(ratios, median);
    expect(r.estimate).toBe(1.0);
    expect(r.low).toBeLessThan(r.estimate);
    expect(r.high).toBeGreaterThan(r.estimate);
    expect(r.low).toBeGreaterThanOrEqual(0.9);
    expect(r.high).toBeLessThanOrEqual(1.1);
  });

  it('narrows as the rounds agree, and is the same for the same seed', () => {
    const spread = bootstrap(ratios, median);
    const tight = bootstrap(
      ratios.map((x) => 1 + (x - 1) / 10),
      median,
    );
    expect(tight.high - tight.low).toBeLessThan((spread.high - spread.low) / 5);
    expect(bootstrap(ratios, median)).toEqual(spread);
  });
});
