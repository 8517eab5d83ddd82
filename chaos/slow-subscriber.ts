/**
 * Chaos scenario (c): a slow subscriber, on redis-server and on the embedded broker, each the
 * lab's own (tests/integration/slow-subscriber.test.ts is the same story as a test). s2's sub
 * connection stops reading while c1 sends 60 KB chat messages; Redis's
 * `client-output-buffer-limit pubsub` (the lab sets 1mb 256kb 2) cuts it off. Measured: the
 * time from "slow" to the cut-off. Then s2 subscribes again by itself and hears c1 again, and
 * every flow of the run is reconciled (the lost ones: cut-off).
 */
import { makeLab, type Backend } from '../tests/support/lab-fixture.ts';
import { chatArrives, subscribedAgain } from '../tests/support/chat-arrival.ts';
import { FlowChecker, pause, type ChaosRun } from './harness.ts';
import { apiCalls } from '../trace/api-calls.ts';

const NAME = 'slow-subscriber';

export interface SlowFigures {
  backend: Backend;
  limit?: string;
  cutOffMs?: number;
  recovered: boolean;
  flows: FlowChecker['tally'];
}

export async function slowSubscriberScenario(
  run: ChaosRun,
  backend: Backend,
): Promise<SlowFigures> {
  const lab = await makeLab(backend, { redisKind: 'owned' });
  const flows = new FlowChecker(lab, run, `${NAME} (${backend})`);
  try {
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    const s2Client = await lab.client('s2');
    const before = await subscribedAgain(lab, 's2');
    const slowed = lab.waitForEvent((e) => e.kind === 'server.link' && e.link === 'slow');
    const res = await lab.send(apiCalls.cut('s2', { mode: 'slow' }));
    if (res.status !== 200) run.broke(NAME, `${backend}: cut slow -> ${res.status}`);
    const slowEvent = await slowed;
    const t0 = Date.now();
    const cutOff = lab.waitForEvent(
      (e) => e.kind === 'server.link' && e.server === 's2' && e.closedBy === 'redis',
      { timeoutMs: 60_000 },
    );
    const burst = lab.send(apiCalls.burst('c1', { count: 150, bytes: 60_000 }));
    let cutOffMs: number | undefined;
    let recovered = false;
    try {
      await cutOff;
      cutOffMs = Date.now() - t0;
      const again = await subscribedAgain(lab, 's2');
      const back = chatArrives(s2Client, 'after the cut-off');
      await lab.send(apiCalls.emit('c1', 'chat message', ['after the cut-off']));
      await back;
      recovered = again !== before;
      if (!recovered) run.broke(NAME, `${backend}: s2's sub connection is the one Redis cut off`);
    } catch (err) {
      run.broke(NAME, `${backend}: ${(err as Error).message}`);
    }
    await burst;
    await pause(3000);
    flows.check(0, true);
    run.log(`  ${NAME} (${backend}): cut off after ${cutOffMs} ms; recovered: ${recovered}`);
    return {
      backend,
      limit: 'limit' in slowEvent ? String(slowEvent.limit) : undefined,
      cutOffMs,
      recovered,
      flows: flows.tally,
    };
  } finally {
    await lab.close();
    await lab.lab.redis.managed?.stop?.();
  }
}
