/**
 * `npm run bench [-- <suite> [options]]`. Suites: lab (default), broker, page, class, cluster.
 * Every suite runs its baseline in the same run and reports ratios, because these machines are noisy.
 */
export type Suite = { default: (argv: string[]) => Promise<void> };

const suites: Record<string, () => Promise<Suite>> = {
  lab: () => import('./lab-bench.ts'),
  broker: () => import('./broker-bench.ts'),
  page: () => import('./page-bench.ts'),
  class: () => import('./class-bench.ts'),
  cluster: () => import('./cluster-bench.ts'),
};

const [suiteName = 'lab', ...rest] = process.argv.slice(2);
const load = suites[suiteName];
if (!load) {
  console.error(
    `Unknown bench suite "${suiteName}". Use one of: ${Object.keys(suites).join(', ')}.`,
  );
  process.exit(2);
}
const suite = await load();
await suite.default(rest);
process.exit(0);
