/**
 * Chaos scenario (b): Redis stopped and started again, `cycles` times, on a lab of two servers.
 * During each outage a broadcast from s1 still reaches the other client of s1 (local delivery);
 * after each start, c1 says something every 100 ms until a client of s2 hears it: the time from
 * the start's answer to that arrival is the cross-server recovery, which must stay within 5 s.
 * Then every flow of the run is reconciled: the outage's losses must say Redis was down.
 */
import { makeLab, until } from '../tests/support/lab-fixture.ts';
import { adapterConnections } from '../tests/support/lab-consistency.ts';
import { FlowChecker, pause, percentile, type ChaosRun } from './harness.ts';
import { apiCalls } from '../trace/api-calls.ts';

const NAME = 'redis-cycles';
const BACK_WITHIN_MS = 5000;

export interface RedisCycleFigures {
  cycles: number;
  localDuringOutage: number;
  recoveryMs: number[];
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  flows: FlowChecker['tally'];
  seconds: number;
}

export async function redisCyclesScenario(
  run: ChaosRun,
  cycles: number,
): Promise<RedisCycleFigures> {
  const started = Date.now();
  const lab = await makeLab('redis', { servers: 2, redisKind: 'owned' });
  const flows = new FlowChecker(lab, run, NAME);
  try {
    // Lab clients on both servers give the flows an audience to reconcile; the raw sockets talk.
    await lab.lab.addClients('s1', 1);
    await lab.lab.addClients('s2', 1);
    const [a1, a2, b] = await Promise.all([lab.client('s1'), lab.client('s1'), lab.client('s2')]);
    let local = 0;
    const recoveryMs: number[] = [];
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const down = await lab.send(apiCalls.redis('stop'));
      if (down.status !== 200)
        run.broke(NAME, `cycle ${cycle}: POST /api/redis/stop -> ${down.status}`);
      const text = `outage ${cycle}`;
      const heard = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        a2.on('chat message', function on(m: unknown) {
          if (m !== text) return;
          clearTimeout(timer);
          a2.off('chat message', on);
          resolve(true);
        });
      });
      a1.emit('chat message', text);
      if (await heard) local += 1;
      else
        run.broke(
          NAME,
          `cycle ${cycle}: a broadcast on s1 did not reach s1's other client while Redis was down`,
        );
      await pause(300 + run.rnd() * 700);

      const up = await lab.send(apiCalls.redis('start'));
      const t0 = Date.now();
      if (up.status !== 200)
        run.broke(NAME, `cycle ${cycle}: POST /api/redis/start -> ${up.status}`);
      let k = 0;
      let arrived = 0;
      const onB = (m: unknown) => {
        if (typeof m === 'string' && m.startsWith(`back ${cycle} `) && !arrived)
          arrived = Date.now();
      };
      b.on('chat message', onB);
      while (!arrived && Date.now() - t0 < BACK_WITHIN_MS * 3) {
        a1.emit('chat message', `back ${cycle} ${++k}`);
        await pause(100);
      }
      b.off('chat message', onB);
      const ms = arrived ? arrived - t0 : Infinity;
      recoveryMs.push(ms);
      if (ms > BACK_WITHIN_MS)
        run.broke(
          NAME,
          `cycle ${cycle}: cross-server delivery back after ${ms} ms, not within ${BACK_WITHIN_MS}`,
        );
      // Both servers' connections back before the next stop, so each cycle starts alike.
      await until(
        async () => (await adapterConnections(lab.admin, lab.lab.labId)).length === 4,
        15_000,
      ).catch(() =>
        run.broke(NAME, `cycle ${cycle}: the servers' Redis connections did not come back`),
      );
      run.log(
        `  ${NAME} ${cycle}/${cycles}: local delivery during the outage ok; s1 -> s2 back after ${ms} ms`,
      );
    }
    await pause(2000);
    flows.check(0, true);
    const finite = recoveryMs.filter(Number.isFinite);
    return {
      cycles,
      localDuringOutage: local,
      recoveryMs,
      p50Ms: percentile(finite, 50),
      p95Ms: percentile(finite, 95),
      maxMs: Math.max(...recoveryMs),
      flows: flows.tally,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await lab.close();
    await lab.lab.redis.managed?.stop?.();
  }
}
