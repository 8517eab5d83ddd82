/** Small helpers the benchmarks share: flags and the statistics they report. */
import { seededRandom } from '../trace/sim/seeded-random.ts';

/** `--name value` from argv, or the fallback. */
export function option(argv: string[], name: string, fallback: string): string {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] ? argv[at + 1] : fallback;
}

export function numberOption(argv: string[], name: string, fallback: number): number {
  return Number(option(argv, name, String(fallback)));
}

/** The value below which `p` percent of the values fall (nearest rank); NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One decimal place, for reports. */
export const round1 = (n: number) => Math.round(n * 10) / 10;

/** The middle value, or the mean of the two middle ones; NaN for no values. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Interval {
  estimate: number;
  /** The 95% percentile-bootstrap interval. */
  low: number;
  high: number;
}

/**
 * `stat` of the items, with a 95% interval from resampling the items (whole paired rounds, so the
 * pairing survives) with replacement: what another run of as many rounds might have given.
 */
export function bootstrap<T>(
  items: T[],
  stat: (sample: T[]) => number,
  resamples = 4000,
  seed = 15,
): Interval {
  const random = seededRandom(seed);
  const values: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const sample = items.map(() => items[Math.floor(random() * items.length)]);
    const v = stat(sample);
    if (Number.isFinite(v)) values.push(v);
  }
  return {
    estimate: stat(items),
    low: percentile(values, 2.5),
    high: percentile(values, 97.5),
  };
}
