/**
 * Chaos scenario (a): random stop, crash, start, cut and heal actions on a lab of three servers
 * under steady chat traffic. After each action: Redis holds exactly the adapter connections of
 * the servers that are up and not cut (CLIENT LIST), and every flow that had time to arrive is
 * reconciled with a reason for each loss. At the end, with every server up and healed, the lab's
 * connections are back to the count it started with, and no listener was left behind.
 */
import { makeLab } from '../tests/support/lab-fixture.ts';
import { clientNames, until } from '../tests/support/lab-fixture.ts';
import { adapterConnections } from '../tests/support/lab-consistency.ts';
import type { LabInfo } from '../trace/lab-info.ts';
import { FlowChecker, listenerCount, pause, Traffic, type ChaosRun } from './harness.ts';
import { apiCalls } from '../trace/api-calls.ts';

const NAME = 'lifecycle';
const ACTIONS = ['stop', 'crash', 'start', 'cut', 'heal'] as const;

/** The adapter connections Redis should hold: those of servers that are up and not cut off. */
function reachable(info: LabInfo): string[] {
  return info.servers
    .filter((s) => s.state === 'up' && !s.link)
    .flatMap((s) => [`${s.id}:pub`, `${s.id}:sub`])
    .sort();
}

export interface LifecycleFigures {
  actions: number;
  perSecond: number;
  baselineConnections: number;
  finalConnections: number;
  listenersBefore: number;
  listenersAfter: number;
  sent: number;
  refused: number;
  flows: FlowChecker['tally'];
  seconds: number;
  actionLog: string[];
}

export async function lifecycleScenario(
  run: ChaosRun,
  actions: number,
  perSecond = 20,
): Promise<LifecycleFigures> {
  const started = Date.now();
  const lab = await makeLab('redis', { servers: 3, redisKind: 'owned' });
  const actionLog: string[] = [];
  try {
    for (const s of ['s1', 's2', 's3']) await lab.lab.addClients(s, 2);
    const all = async () => (await clientNames(lab.admin, lab.lab.labId)).length;
    await until(async () => (await adapterConnections(lab.admin, lab.lab.labId)).length === 6);
    const baseline = await all();
    const listenersBefore = listenerCount(lab);
    const traffic = new Traffic(lab, run.rnd, perSecond);
    const flows = new FlowChecker(lab, run, NAME);
    traffic.start();
    for (let i = 1; i <= actions; i++) {
      const action = ACTIONS[Math.floor(run.rnd() * ACTIONS.length)];
      const server = `s${1 + Math.floor(run.rnd() * 3)}`;
      const res = await lab.send(
        action === 'cut'
          ? apiCalls.cut(server)
          : action === 'heal'
            ? apiCalls.heal(server)
            : apiCalls.server(server, action),
      );
      const line = `${action} ${server} -> ${res.status}`;
      actionLog.push(line);
      // 409 is a refusal the API documents (cut a server that is down, heal one not cut...).
      if (![200, 409].includes(res.status))
        run.broke(NAME, `action ${i}: ${line} ${JSON.stringify(res.body).slice(0, 200)}`);
      const info = lab.lab.info();
      const want = JSON.stringify(reachable(info));
      const ok = await until(
        async () => JSON.stringify(await adapterConnections(lab.admin, lab.lab.labId)) === want,
        15_000,
      ).then(
        () => true,
        () => false,
      );
      if (!ok)
        run.broke(
          NAME,
          `action ${i} (${line}): CLIENT LIST holds ${(await adapterConnections(lab.admin, lab.lab.labId)).join(' ')}, not ${want}`,
        );
      // Traffic under the new state for a while, so each action is seen by flows.
      await pause(500 + run.rnd() * 1500);
      flows.check();
      run.log(
        `  ${NAME} ${i}/${actions}: ${line}; ${flows.tally.flows} flows reconciled, lost ${JSON.stringify(flows.tally.lost)}`,
      );
    }
    // Everything back: heal and start each server, then let the last flows arrive.
    for (const s of lab.lab.info().servers) {
      if (s.link) await lab.send(apiCalls.heal(s.id));
      if (s.state !== 'up') await lab.send(apiCalls.server(s.id, 'start'));
    }
    await traffic.stop();
    await until(async () => (await all()) === baseline, 15_000).catch(() => undefined);
    const finalConnections = await all();
    if (finalConnections !== baseline)
      run.broke(
        NAME,
        `the lab holds ${finalConnections} Redis connections, not its ${baseline} at the start`,
      );
    await new Promise((r) => setTimeout(r, 3000));
    flows.check(0, true);
    const listenersAfter = listenerCount(lab);
    if (listenersAfter > listenersBefore)
      run.broke(NAME, `listeners grew from ${listenersBefore} to ${listenersAfter}`);
    return {
      actions,
      perSecond,
      baselineConnections: baseline,
      finalConnections,
      listenersBefore,
      listenersAfter,
      sent: traffic.sent,
      refused: traffic.refused,
      flows: flows.tally,
      seconds: Math.round((Date.now() - started) / 1000),
      actionLog,
    };
  } finally {
    await lab.close();
    await lab.lab.redis.managed?.stop?.();
  }
}
