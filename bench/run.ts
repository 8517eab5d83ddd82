/**
 * `npm run bench [-- <suite> [options]]`. Suites: lab (default), broker, page.
 * Every suite runs its baseline in the same run and reports ratios, because these machines are noisy.
 */
const suites: Record<string, () => Promise<{ default: (argv: string[]) => Promise<void> }>> = {
  lab: () => import('./lab-bench.ts'),
  broker: () => import('./broker-bench.ts'),
  page: () => import('./page-bench.ts'),
};

const [name = 'lab', ...rest] = process.argv.slice(2);
const load = suites[name];
if (!load) {
  console.error(`Unknown bench suite "${name}". Use one of: ${Object.keys(suites).join(', ')}.`);
  process.exit(2);
}
const suite = await load();
await suite.default(rest);
