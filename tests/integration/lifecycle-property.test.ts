/**
 * Issue 19's property: random rounds of concurrent lifecycle calls, each round written in the
 * same tick, and after every round the lab's listing matches reality. A listed server's port
 * answers exactly when it is `up`, no unlisted port answers, Redis holds a pub and a sub
 * connection for exactly the servers that are up, and no call got a 5xx. The bounded, fast
 * member of the chaos suite; LAB_PROPERTY_SEED replays a failing run, LAB_PROPERTY_ROUNDS runs longer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../trace/sim/seeded-random.ts';
import { BACKENDS, closeAllLabs, makeLab } from '../support/lab-fixture.ts';
import { sameTick, type RawRequest, type RawResponse } from '../support/raw-http.ts';
import {
  REACHABLE,
  expectedConnections,
  portMismatches,
  settledConnections,
} from '../support/lab-consistency.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

const SEED = Number(process.env.LAB_PROPERTY_SEED ?? Date.now() % 100_000);
const ROUNDS = Number(process.env.LAB_PROPERTY_ROUNDS ?? 12);

type Listed = LabInfo['servers'][number];

/** One random call: most on servers (some of which may not exist), a few on the lab and Redis. */
function randomCall(rnd: () => number): RawRequest {
  const id = `s${1 + Math.floor(rnd() * 6)}`;
  const roll = rnd();
  if (roll < 0.45) {
    const action = ['stop', 'crash', 'start'][Math.floor(rnd() * 3)];
    return { method: 'POST', target: `/api/servers/${id}/${action}` };
  }
  if (roll < 0.6) return { method: 'DELETE', target: `/api/servers/${id}` };
  if (roll < 0.78) return { method: 'POST', target: '/api/servers', body: {} };
  if (roll < 0.88)
    return {
      method: 'POST',
      target: '/api/lab/setup',
      body: { servers: 1 + Math.floor(rnd() * 4) },
    };
  return { method: 'POST', target: `/api/redis/${rnd() < 0.5 ? 'stop' : 'start'}` };
}

/** What must hold of each answer on its own: a documented status, and the state it says. */
function answerProblems(call: RawRequest, answer: RawResponse): string[] {
  const what = `${call.method} ${call.target} -> ${answer.status} ${answer.text.slice(0, 160)}`;
  if (![200, 201, 404, 409].includes(answer.status)) return [`undocumented status: ${what}`];
  const action = /\/api\/servers\/s\d+\/(stop|crash|start)$/.exec(call.target)?.[1];
  if (action && answer.status === 200 && !REACHABLE[action].includes((answer.json as Listed).state))
    return [`says a state its action cannot reach: ${what}`];
  if (answer.status === 409 || answer.status === 404) {
    const error = (answer.json as { error?: string } | undefined)?.error ?? '';
    if (!/\w+ \w+/.test(error)) return [`refused without a sentence: ${what}`];
  }
  return [];
}

describe.each(BACKENDS)('random concurrent lifecycle calls (%s)', (backend) => {
  it(`leave the listing true to the ports and to Redis after every round (seed ${SEED})`, async () => {
    const lab = await makeLab(backend, { servers: 3, redisKind: 'owned' });
    const rnd = seededRandom(SEED);
    const ports = new Set(lab.lab.info().servers.map((s) => s.port));
    const seen: string[] = [];
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const calls = Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => randomCall(rnd));
        const answers = await sameTick(lab.url, calls);
        seen.push(`round ${round}: ${calls.map((c) => `${c.method} ${c.target}`).join(', ')}`);
        const problems = calls.flatMap((c, i) => answerProblems(c, answers[i]));
        expect(problems, seen.join('\n')).toEqual([]);
        // Redis back up before the connections are counted (a round may have stopped it).
        if (lab.lab.info().redis.state === 'down' || !lab.lab.redis.managed?.running)
          expect((await lab.send(apiCalls.redis('start'))).status).toBe(200);
        const info = (await lab.send(apiCalls.lab())).body;
        for (const s of info.servers) ports.add(s.port);
        const ids = info.servers.map((s) => s.id);
        expect(new Set(ids).size, `${ids.join(', ')}\n${seen.join('\n')}`).toBe(ids.length);
        expect(ids.length).toBeLessThanOrEqual(10);
        expect(await portMismatches(info.servers, ports), seen.join('\n')).toEqual([]);
        expect(await settledConnections(lab.admin, info), seen.join('\n')).toEqual(
          expectedConnections(info),
        );
      }
    } finally {
      await lab.close();
    }
  });
});
