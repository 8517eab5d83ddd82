/**
 * Chaos scenario (e): random and malformed calls on the hub's control API (the routes of
 * server/hub/api-routes.ts and the lesson, console, class and plain-app routes; ids real and
 * not; methods right and wrong; bodies right, wrong, malformed and too big), then rounds of
 * conflicting calls on one server in the same tick (stop, start and remove at once). Every
 * answer must carry a status docs/api.md documents, every error a sentence; the hub must keep
 * answering; and afterwards the lab's listing must match its ports and Redis.
 */
import { makeLab } from '../tests/support/lab-fixture.ts';
import {
  rawRequest,
  sameTick,
  type RawRequest,
  type RawResponse,
} from '../tests/support/raw-http.ts';
import {
  expectedConnections,
  portMismatches,
  settledConnections,
} from '../tests/support/lab-consistency.ts';
import type { LabInfo } from '../trace/lab-info.ts';
import type { ChaosRun } from './harness.ts';

const NAME = 'api-fuzz';
/** docs/api.md "Errors", and 200/201 for what went well. */
const DOCUMENTED = new Set([200, 201, 400, 401, 404, 405, 409, 413]);

/** Every route's path with the method it takes, `{s}` for a server id, `{c}` a client id, `{n}` a node. */
const PATHS: [string, string][] = [
  ['GET', '/api/lab'],
  ['GET', '/api/trace'],
  ['GET', '/api/state'],
  ['POST', '/api/servers'],
  ['DELETE', '/api/servers/{s}'],
  ['POST', '/api/servers/{s}/stop'],
  ['POST', '/api/servers/{s}/crash'],
  ['POST', '/api/servers/{s}/start'],
  ['POST', '/api/servers/{s}/cut'],
  ['POST', '/api/servers/{s}/heal'],
  ['POST', '/api/servers/{s}/sub-command'],
  ['POST', '/api/servers/emit'],
  ['POST', '/api/redis/stop'],
  ['POST', '/api/redis/start'],
  ['POST', '/api/redis/nodes/{n}/stop'],
  ['POST', '/api/redis/stray-subscriber'],
  ['POST', '/api/redis/publish'],
  ['POST', '/api/redis/lockdown'],
  ['POST', '/api/redis/console'],
  ['POST', '/api/clients'],
  ['DELETE', '/api/clients/{c}'],
  ['POST', '/api/clients/{c}/emit'],
  ['POST', '/api/clients/{c}/burst'],
  ['POST', '/api/clients/emit-together'],
  ['POST', '/api/lab/setup'],
  ['POST', '/api/lab/reset-trace'],
  ['POST', '/api/lesson'],
  ['POST', '/api/lesson/step'],
  ['POST', '/api/balancer'],
  ['POST', '/api/plain-app'],
  ['POST', '/api/plain-app/emit'],
  ['POST', '/api/class'],
  ['POST', '/api/class/vote'],
  ['POST', '/api/class/vote/close'],
  ['DELETE', '/api/class/students'],
  ['POST', '/api/join'],
  ['GET', '/api/nothing-here'],
];
const IDS = [
  's1',
  's2',
  's3',
  's4',
  's9',
  'c1',
  'c2',
  'c7',
  'n1',
  'x',
  '%zz',
  '..',
  'a'.repeat(40),
  '%E0%A4%A',
  'ä',
  '0',
];
const METHODS = ['GET', 'GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH'];
const ODD_TARGETS = [
  '//:99999',
  '/api/%',
  '/api//servers',
  '/api/servers/s1/stop?x=%zz',
  `/api/${'a/'.repeat(300)}`,
  '/api/lab#x',
  '*',
];

type Rnd = () => number;
const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

/** Bodies a route may take, or choke on. */
function randomBody(rnd: Rnd): unknown {
  const roll = rnd();
  if (roll < 0.12) return undefined;
  if (roll < 0.2) return {};
  if (roll < 0.45)
    return pick(rnd, [
      { event: 'chat message', args: ['fuzz'] },
      { event: 'connect', args: [] },
      { event: 42 },
      { servers: Math.floor(rnd() * 14) - 2 },
      { servers: 2, adapter: pick(rnd, ['redis', 'sharded', 'streams', 'none', 'mqtt']) },
      { server: pick(rnd, ['s1', 's2', 's9', 7]) },
      { mode: pick(rnd, ['cut', 'frozen', 'slow', 'sticky', 'off', 'lots']) },
      { mode: 'slow', limit: pick(rnd, ['lots', '1mb 256kb 2', '-1']) },
      { args: pick(rnd, [['PING'], ['PUBLISH', 'socket.io#/#', 'hi'], ['FLUSHALL'], 'PING']) },
      { connection: pick(rnd, ['A', 'B', 'Z']), args: ['PING'] },
      { count: pick(rnd, [1, 0, 301, 'many']), bytes: pick(rnd, [1, 60001]) },
      { channel: 'socket.io#/#', message: 'hi' },
      { forge: { event: 'chat message', args: ['forged'] } },
      { emits: [{ client: 'c1', event: 'chat message', args: ['x'] }] },
      { id: 'fuzz', title: 'Fuzz', holder: 'fuzz' },
      { text: 'hello' },
      { clients: [{ server: 's1' }] },
    ]);
  if (roll < 0.6)
    return pick(rnd, [
      '{',
      'null',
      '[]',
      '"x"',
      '1e999',
      '{"a":',
      '\u0000',
      '{"__proto__":{"x":1}}',
    ]);
  if (roll < 0.7) return pick(rnd, [null, 0, true, [1, 2], 'text']);
  if (roll < 0.78) return 'x'.repeat(pick(rnd, [65_000, 70_000, 200_000]));
  if (roll < 0.85) {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    return deep;
  }
  return {
    [pick(rnd, ['servers', 'event', 'args', 'id', 'mode'])]: pick(rnd, [
      null,
      -1,
      1e308,
      '',
      [],
      {},
      'x'.repeat(5000),
    ]),
  };
}

export function randomCall(rnd: Rnd): RawRequest {
  if (rnd() < 0.05) return { method: pick(rnd, METHODS), target: pick(rnd, ODD_TARGETS) };
  const [method, path] = pick(rnd, PATHS);
  const target = path
    .replace('{s}', () => pick(rnd, IDS.slice(0, 5).concat(pick(rnd, IDS))))
    .replace('{c}', () => pick(rnd, ['c1', 'c2', 'c3', pick(rnd, IDS)]))
    .replace('{n}', () => pick(rnd, IDS));
  // Mostly the route's own method, so most calls reach its handler and its body checks.
  return { method: rnd() < 0.7 ? method : pick(rnd, METHODS), target, body: randomBody(rnd) };
}

/** A documented status, and for an error a JSON sentence. */
function answerProblem(call: RawRequest, answer: RawResponse): string | undefined {
  const what = `${call.method} ${call.target.slice(0, 80)} ${JSON.stringify(call.body)?.slice(0, 60) ?? ''} -> ${answer.status} ${answer.text.slice(0, 160).trim()}`;
  if (!DOCUMENTED.has(answer.status)) return `undocumented status: ${what}`;
  // Targets outside /api/ reach the page's file server, which answers in plain text.
  if (answer.status >= 400 && call.target.startsWith('/api/')) {
    const error = (answer.json as { error?: unknown } | undefined)?.error;
    if (typeof error !== 'string' || !/(\w+\W+){3}/.test(error))
      return `an error without a sentence: ${what}`;
  }
  return undefined;
}

export interface ApiFuzzFigures {
  calls: number;
  statuses: Record<string, number>;
  undocumented: number;
  slowestMs: number;
  slowest: string;
  conflictRounds: number;
  consistent: boolean;
  seconds: number;
}

/** Puts the lab back where its listing can be checked: Redis up, no lesson, lock or cut. */
async function settle(base: string): Promise<void> {
  for (const call of [
    { method: 'DELETE', target: '/api/lesson' },
    { method: 'DELETE', target: '/api/redis/lockdown' },
    { method: 'DELETE', target: '/api/plain-app' },
    { method: 'POST', target: '/api/redis/start' },
  ])
    await rawRequest(base, call).catch(() => undefined);
  const info = (await rawRequest(base, { method: 'GET', target: '/api/lab' })).json as LabInfo;
  for (const s of info.servers.filter((x) => x.link))
    await rawRequest(base, { method: 'POST', target: `/api/servers/${s.id}/heal` });
}

export async function apiFuzzScenario(
  run: ChaosRun,
  calls: number,
  conflictRounds: number,
): Promise<ApiFuzzFigures> {
  const started = Date.now();
  const lab = await makeLab('redis', { servers: 3, redisKind: 'owned' });
  const statuses: Record<string, number> = {};
  let undocumented = 0;
  let slowestMs = 0;
  let slowest = '';
  const ports = new Set(lab.lab.info().servers.map((s) => s.port));
  let consistent = true;

  const checkConsistent = async (when: string) => {
    await settle(lab.url);
    const info = (await rawRequest(lab.url, { method: 'GET', target: '/api/lab' })).json as LabInfo;
    for (const s of info.servers) ports.add(s.port);
    const wrongPorts = await portMismatches(info.servers, ports);
    const held = await settledConnections(lab.admin, info);
    const want = expectedConnections(info);
    if (wrongPorts.length > 0 || JSON.stringify(held) !== JSON.stringify(want)) {
      consistent = false;
      run.broke(
        NAME,
        `${when}: ports ${wrongPorts.join('; ') || 'ok'}; Redis holds ${held.join(' ')}, should ${want.join(' ')}`,
      );
    }
  };

  try {
    const CONCURRENCY = 4;
    let done = 0;
    const worker = async () => {
      while (done < calls) {
        const n = ++done;
        const call = randomCall(run.rnd);
        const t0 = Date.now();
        let answer: RawResponse;
        try {
          answer = await rawRequest(lab.url, call);
        } catch (err) {
          run.broke(
            NAME,
            `call ${n} ${call.method} ${call.target.slice(0, 80)}: no answer (${(err as Error).message})`,
          );
          continue;
        }
        const ms = Date.now() - t0;
        if (ms > slowestMs) {
          slowestMs = ms;
          slowest = `${call.method} ${call.target.slice(0, 80)} ${JSON.stringify(call.body)?.slice(0, 60) ?? ''}`;
        }
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const problem = answerProblem(call, answer);
        if (problem) {
          undocumented += 1;
          run.broke(NAME, `call ${n}: ${problem}`);
        }
        if (n % 500 === 0) run.log(`  ${NAME} ${n}/${calls} calls: ${JSON.stringify(statuses)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await checkConsistent(`after ${calls} random calls`);

    for (let round = 1; round <= conflictRounds; round++) {
      // One server that exists, or is made to exist again, then three calls on it at once.
      await rawRequest(lab.url, { method: 'POST', target: '/api/servers', body: {} });
      const info = (await rawRequest(lab.url, { method: 'GET', target: '/api/lab' }))
        .json as LabInfo;
      const id = pick(run.rnd, info.servers).id;
      const conflict: RawRequest[] = [
        { method: 'POST', target: `/api/servers/${id}/stop` },
        { method: 'POST', target: `/api/servers/${id}/start` },
        { method: 'DELETE', target: `/api/servers/${id}` },
        {
          method: 'POST',
          target: `/api/servers/${id}/${pick(run.rnd, ['crash', 'cut', 'start'])}`,
        },
      ].sort(() => run.rnd() - 0.5);
      const answers = await sameTick(lab.url, conflict);
      answers.forEach((a, i) => {
        statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        const problem = answerProblem(conflict[i], a);
        if (problem) {
          undocumented += 1;
          run.broke(NAME, `conflict round ${round}: ${problem}`);
        }
      });
      await checkConsistent(
        `conflict round ${round} on ${id} (${conflict.map((c) => `${c.method} ${c.target}`).join(', ')})`,
      );
      run.log(
        `  ${NAME} conflict ${round}/${conflictRounds} on ${id}: ${answers.map((a) => a.status).join(' ')}`,
      );
    }
    return {
      calls: calls + conflictRounds * 4,
      statuses,
      undocumented,
      slowestMs,
      slowest,
      conflictRounds,
      consistent,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await lab.close();
    await lab.lab.redis.managed?.stop?.();
  }
}
