/**
 * `npm run chaos [-- --full] [--seed N] [--only lifecycle,api-fuzz,...] [--soak-seconds S]`:
 * the chaos suite on real labs (real redis-server or the embedded broker, real Socket.IO, all
 * on loopback). The short version takes a few minutes; `--full` runs the sizes issue 11 asks
 * for. Each scenario is bounded in count and time. Progress goes to stdout, figures to
 * docs/reliability.md and raw JSON to chaos/results/. Exits 1 when a promise broke (each one
 * said, with the seed that replays the run), 2 on bad arguments.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chaosRun, type ChaosRun } from './harness.ts';
import { lifecycleScenario } from './lifecycle.ts';
import { redisCyclesScenario } from './redis-cycles.ts';
import { slowSubscriberScenario } from './slow-subscriber.ts';
import { soakScenario } from './soak.ts';
import { apiFuzzScenario } from './api-fuzz.ts';
import { fuzzLessonFiles, fuzzTraceFiles } from './file-fuzz.ts';
import { load, writeDoc, writeRaw, type ScenarioResult } from './report.ts';

const argv = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : (argv[i + 1] ?? '');
}
const full = argv.includes('--full');
const seed = Number(flag('--seed') ?? Date.now() % 100_000);
const only = flag('--only')?.split(',');
const soakSeconds = Number(flag('--soak-seconds') ?? (full ? 600 : 15));
if (!Number.isInteger(seed) || seed < 0 || !(soakSeconds > 0)) {
  console.error('--seed takes a whole number, --soak-seconds a positive number.');
  process.exit(2);
}

const thousands = (n: number) => n.toLocaleString('en-US');
type Scenario = (run: ChaosRun) => Promise<{ lines: string[]; raw: unknown }>;

const SCENARIOS: Record<string, Scenario> = {
  lifecycle: async (run) => {
    const f = await lifecycleScenario(run, full ? 50 : 8, 20);
    const lost = Object.entries(f.flows.lost)
      .map(([reason, n]) => `${thousands(n)} ${reason}`)
      .join(', ');
    return {
      raw: f,
      lines: [
        `${f.actions} random actions (${countActions(f.actionLog)}) under ${f.perSecond} broadcasts/s: ` +
          `${thousands(f.flows.flows)} flows, ${thousands(f.flows.expected)} expected receipts = ` +
          `${thousands(f.flows.delivered)} delivered + ${lost || 'none'} lost, none without a reason; ` +
          `duplicates ${f.flows.duplicates}${f.flows.sampled ? `; ${f.flows.sampled} flows under a sampling monitor counted, not reconciled` : ''}; Redis connections ${f.finalConnections} at the end, baseline ${f.baselineConnections}; ` +
          `listeners ${f.listenersBefore} before, ${f.listenersAfter} after.`,
      ],
    };
  },
  'redis-cycles': async (run) => {
    const f = await redisCyclesScenario(run, full ? 10 : 3);
    return {
      raw: f,
      lines: [
        `${f.cycles} Redis stop/start cycles: local delivery during the outage ${f.localDuringOutage}/${f.cycles}; ` +
          `cross-server delivery back after p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms, max ${f.maxMs} ms (promise: 5,000 ms); ` +
          `${f.flows.flows} flows, losses ${JSON.stringify(f.flows.lost)}.`,
      ],
    };
  },
  'slow-subscriber': async (run) => {
    const results = [];
    for (const backend of ['redis', 'broker'] as const)
      results.push(await slowSubscriberScenario(run, backend));
    return {
      raw: results,
      lines: results.map(
        (f) =>
          `${f.backend === 'redis' ? 'redis-server' : 'embedded broker'} (\`${f.limit}\`): s2's subscriber cut off ` +
          `${f.cutOffMs === undefined ? 'never' : `after ${(f.cutOffMs / 1000).toFixed(1)} s`} of 60 KB messages at 20/s; ` +
          `recovered by itself: ${f.recovered ? 'yes' : 'no'}; losses ${JSON.stringify(f.flows.lost)}.`,
      ),
    };
  },
  soak: async (run) => {
    const f = await soakScenario(run, soakSeconds, 50);
    return {
      raw: f,
      lines: [
        `${f.seconds} s at ${f.perSecond} broadcasts/s (${thousands(f.sent)} emit calls, ${thousands(f.refused)} answered with an error)` +
          `${f.page ? ' with the page open' : ', no page (no chromium)'}: lab RSS ${f.rssStartMb} -> ${f.rssEndMb} MB, ` +
          `slope ${f.rssSlopeMbPerMin} MB/min` +
          (f.heapSlopeMbPerMin === undefined
            ? ''
            : `; page heap ${f.heapStartMb} -> ${f.heapEndMb} MB, slope ${f.heapSlopeMbPerMin} MB/min`) +
          `; ${thousands(f.flows.flows)} flows reconciled (losses ${JSON.stringify(f.flows.lost)}), ${thousands(f.flows.sampled)} under a sampling monitor counted, ${thousands(f.flows.evicted)} let go by the state before late receipts came` +
          `; counters ${thousands(f.counters.publishes)} PUBLISH and ${thousands(f.counters.deliveries)} deliveries ` +
          `for ${thousands(f.accepted)} to ${thousands(f.sent)} messages to 6 clients.`,
      ],
    };
  },
  'api-fuzz': async (run) => {
    const f = await apiFuzzScenario(run, full ? 10_000 : 300, full ? 20 : 3);
    return {
      raw: f,
      lines: [
        `${thousands(f.calls)} API calls (${f.conflictRounds} rounds of stop/start/remove at once): ` +
          `statuses ${Object.entries(f.statuses)
            .map(([s, n]) => `${s}×${thousands(n)}`)
            .join(', ')}; undocumented ${f.undocumented}; ` +
          `state consistent afterwards: ${f.consistent ? 'yes' : 'no'}; slowest ${(f.slowestMs / 1000).toFixed(1)} s (\`${f.slowest.trim()}\`).`,
      ],
    };
  },
  'file-fuzz': async (run) => {
    const n = full ? 5000 : 300;
    const dir = new URL('../lessons/', import.meta.url);
    const lessons = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => /^\d.*\.md$/.test(f))
        .map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]),
    );
    const traces = fuzzTraceFiles(run.seed, n);
    const lessonT = fuzzLessonFiles(run.seed, n, lessons);
    for (const t of [...traces.thrown, ...lessonT.thrown]) run.broke('file-fuzz', t);
    return {
      raw: { traces, lessons: lessonT },
      lines: [
        `${thousands(n)} damaged trace files: ${thousands(traces.refused)} refused with a TraceFileError, ` +
          `${thousands(traces.accepted)} still replayable, ${traces.thrown.length} threw otherwise. ` +
          `${thousands(n)} damaged lesson files: ${thousands(lessonT.refused)} refused with \`file:line: ...\`, ` +
          `${thousands(lessonT.accepted)} still valid, ${lessonT.thrown.length} threw otherwise.`,
      ],
    };
  },
};

function countActions(log: string[]): string {
  const n: Record<string, number> = {};
  for (const line of log) n[line.split(' ')[0]] = (n[line.split(' ')[0]] ?? 0) + 1;
  return Object.entries(n)
    .map(([a, k]) => `${k} ${a}`)
    .join(', ');
}

/** Each scenario's bound in time: past it the run stops and says so. */
const BOUND_MS = full ? 30 * 60_000 : 5 * 60_000;

const names = only ?? Object.keys(SCENARIOS);
const unknown = names.filter((n) => !SCENARIOS[n]);
if (unknown.length > 0) {
  console.error(
    `No chaos scenario ${unknown.join(', ')}; there are ${Object.keys(SCENARIOS).join(', ')}.`,
  );
  process.exit(2);
}

const run = chaosRun(seed, full);
process.on('unhandledRejection', (err) =>
  run.broke('process', `unhandled rejection: ${(err as Error)?.stack ?? err}`),
);
process.on('uncaughtException', (err) =>
  run.broke('process', `uncaught exception: ${err.stack ?? err}`),
);
// Ctrl+C or a kill ends the run at once; the Redis servers the labs started follow their parent.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.log(`chaos: ${signal}, stopping (seed ${seed})`);
    process.exit(130);
  });
const command = `npm run chaos --${full ? ' --full' : ''} --seed ${seed}${only ? ` --only ${only.join(',')}` : ''}${flag('--soak-seconds') ? ` --soak-seconds ${soakSeconds}` : ''}`;
console.log(`chaos: ${full ? 'full' : 'short'} run, seed ${seed}, scenarios ${names.join(', ')}`);

const results: ScenarioResult[] = [];
for (const name of names) {
  const started = Date.now();
  const brokenBefore = run.broken.length;
  console.log(`${name}: starting`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`took longer than its bound of ${BOUND_MS / 60_000} min`)),
        BOUND_MS,
      );
    });
    const { lines, raw } = await Promise.race([SCENARIOS[name](run), bound]);
    const broken = run.broken.slice(brokenBefore);
    results.push({
      scenario: name,
      full,
      seed,
      command,
      load: load(),
      at: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      broken,
      lines,
      raw,
    });
    for (const l of lines) console.log(`${name}: ${l}`);
  } catch (err) {
    run.broke(name, `failed: ${(err as Error).stack ?? err}`);
  } finally {
    clearTimeout(timer);
  }
}

writeDoc(results);
console.log(`raw figures: ${writeRaw(results)}`);
if (run.broken.length > 0) {
  console.log(
    `\n${run.broken.length} promise(s) broken (replay with: npm run chaos --${full ? ' --full' : ''} --seed ${seed}):`,
  );
  for (const b of run.broken) console.log(`  - ${b}`);
  process.exit(1);
}
console.log(`chaos: every promise kept (seed ${seed}).`);
process.exit(0);
