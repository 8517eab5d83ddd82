/** Small helpers the benchmarks share: flags and the statistics they report. */

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
