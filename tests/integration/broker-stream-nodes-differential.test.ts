import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../trace/sim/seeded-random.ts';
import { compareKeyScript, useDifferentialTargets } from './broker-differential-targets.ts';

/**
 * Where a stream's nodes end. Redis 7.0 keeps entries in listpacks of at most 100 entries or
 * 4096 bytes, and `MAXLEN ~` drops only whole ones, so how many entries survive a trim depends
 * on the bytes of every entry. These scripts run on redis-server and on the broker; XLEN after
 * each `MAXLEN ~ 1` must be the same.
 */

const targets = useDifferentialTargets();

/** Redis 7.0 packs a stream into nodes of 100 entries or 4096 bytes; MAXLEN ~ 1 shows where. */
function nodeLayoutLines(seed: number): string[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const lines: string[] = [];
  let ms = 1;
  let seq = 0;
  // Sizes around the listpack's encoding steps (63/64, 127/128 with back-lengths, 4095/4096).
  const small = [0, 1, 5, 20, 21, 62, 63, 64, 120, 125, 126, 127];
  const large = [300, 900, 1500, 4095, 4096];
  const value = (): string => {
    const r = random();
    if (r < 0.15) return String(int(200) - 100);
    if (r < 0.25) return String(int(2 ** 31) * (random() < 0.5 ? -1 : 1) * 4096);
    if (r < 0.3) return `0${int(100)}`;
    const size = r < 0.95 ? small[int(small.length)] : large[int(large.length)];
    return size === 0 ? '""' : 'v'.repeat(size);
  };
  for (let i = 0; i < 600; i++) {
    const r = random();
    if (r < 0.55) seq++;
    else if (r < 0.9) {
      ms += 1 + int(300);
      seq = int(6);
    } else {
      ms += int(2 ** 40);
      seq = int(70_000);
    }
    const names = random() < 0.75 ? ['uid', 'nsp', 'type', 'data'] : ['x', 'y', 'z', 'w'];
    const fields = names.slice(0, 1 + int(4)).flatMap((n) => [n, value()]);
    const trim = random() < 0.02 ? `MAXLEN = ${int(40)}` : 'MAXLEN ~ 1';
    lines.push(`XADD {p}s ${trim} ${ms}-${seq} ${fields.join(' ')}`, 'XLEN {p}s');
  }
  return lines;
}

/**
 * Exact node boundaries: a stream per size, each with the same first entries and then one entry
 * of that size; the next `XADD ... MAXLEN ~ 1` keeps only the last node, so XLEN shows whether
 * the sized entry still fitted. The sizes sweep across the 4096-byte limit, so exactly one of
 * them lands on it, and the first entries sit on the listpack's encoding steps.
 */
function boundarySweep(first: string[], sizes: [number, number]): string[] {
  const lines: string[] = [];
  for (let size = sizes[0]; size <= sizes[1]; size++) {
    const key = `{p}b${size}`;
    first.forEach((v, i) => lines.push(`XADD ${key} ${i + 1}-${i % 2} f ${v}`));
    lines.push(`XADD ${key} 5000-0 f ${'w'.repeat(size)}`, `XADD ${key} MAXLEN ~ 1 5001-0 f x`);
    lines.push(`XLEN ${key}`, `DEL ${key}`);
  }
  return lines;
}

const sweeps: Record<string, [string[], [number, number]]> = {
  'three 1000-byte values': [Array(3).fill('v'.repeat(1000)), [1016, 1066]],
  'values of 125 bytes (one-byte back-length)': [Array(28).fill('v'.repeat(125)), [244, 294]],
  'values of 126 bytes (two-byte back-length)': [Array(28).fill('v'.repeat(126)), [188, 238]],
  'values of 62 to 64 bytes (string header steps)': [
    Array.from({ length: 48 }, (_, i) => 'v'.repeat(62 + (i % 3))),
    [532, 582],
  ],
  'integers of every width': [
    Array.from({ length: 90 }, (_, i) => String([5, -100, 5000, -40000, 9000000, 3e9][i % 6])),
    [2882, 2932],
  ],
};

describe('broker stream nodes match redis-server', () => {
  it.each(Object.entries(sweeps))(
    'node boundary at 4096 bytes: %s',
    async (_name, [first, sizes]) => {
      const real = await compareKeyScript(
        targets,
        [{ on: 'a', send: boundarySweep(first, sizes) }],
        true,
      );
      const lengths = real[0].frames.flatMap((f) =>
        f.type === 'int' && f.value > 0 ? [f.value] : [],
      );
      // The window holds the limit: some sized entries opened a node of their own (XLEN 2 after
      // the trim), others still fitted in the first one.
      expect(lengths).toContain(2);
      expect(lengths.some((n) => n !== 2)).toBe(true);
    },
  );

  it.each([1, 2, 3])('node layout under MAXLEN ~ (random XADDs, seed %i)', async (seed) => {
    const real = await compareKeyScript(targets, [{ on: 'a', send: nodeLayoutLines(seed) }], true);
    const lengths = real[0].frames.filter((f) => f.type === 'int').map((f) => f.value as number);
    // The script tests something only if nodes filled and were dropped, by count and by bytes.
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(20);
    expect(lengths.filter((n) => n === 1).length).toBeGreaterThan(5);
  });
});
