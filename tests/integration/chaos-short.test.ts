/**
 * The short version of the chaos suite's lab scenarios, in CI (npm run chaos runs them longer):
 * 8 random stop/crash/start/cut/heal actions under 20 chat messages a second, each flow
 * reconciled with a reason for every loss and Redis's connections back to the baseline; two Redis
 * stop/start cycles, local delivery going on during each outage and cross-server delivery back
 * within 5 s; then 300 random and malformed API calls and rounds of conflicting ones, every
 * status documented and the lab consistent afterwards. CHAOS_SEED replays a run's random choices.
 * The slow subscriber has its own test (slow-subscriber.test.ts); the soak stays out of CI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllLabs } from '../support/lab-fixture.ts';
import { chaosRun } from '../../chaos/harness.ts';
import { lifecycleScenario } from '../../chaos/lifecycle.ts';
import { apiFuzzScenario } from '../../chaos/api-fuzz.ts';
import { redisCyclesScenario } from '../../chaos/redis-cycles.ts';

afterAll(closeAllLabs);

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const quiet = () => undefined;

describe(`chaos, short (seed ${SEED})`, () => {
  it('random lifecycle actions under traffic: every loss has a reason, connections and listeners back', async () => {
    const run = chaosRun(SEED, false, quiet);
    const f = await lifecycleScenario(run, 8, 20);
    expect(run.broken).toEqual([]);
    expect(f.flows.flows).toBeGreaterThan(20);
    expect(f.finalConnections).toBe(f.baselineConnections);
  }, 120_000);

  it('Redis stopped and started twice: local delivery goes on, cross-server delivery back within 5 s', async () => {
    const run = chaosRun(SEED, false, quiet);
    const f = await redisCyclesScenario(run, 2);
    expect(run.broken).toEqual([]);
    expect(f.localDuringOutage).toBe(2);
    expect(f.maxMs).toBeLessThanOrEqual(5000);
  }, 120_000);

  it('random and malformed API calls: documented statuses only, the lab consistent afterwards', async () => {
    const run = chaosRun(SEED, false, quiet);
    const f = await apiFuzzScenario(run, 300, 2);
    expect(run.broken).toEqual([]);
    expect(f.consistent).toBe(true);
    expect(Object.keys(f.statuses).length).toBeGreaterThan(3);
  }, 120_000);
});
