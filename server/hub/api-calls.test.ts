import { describe, expect, expectTypeOf, it } from 'vitest';
import { apiCalls, type ApiCall, type ApiCalls } from '../../trace/api-calls.ts';
import type { Classroom } from '../classroom/classroom.ts';
import type { Lab } from '../lab.ts';
import type { LabClients } from '../lab-clients.ts';
import type { PlainAppRunner } from '../plain-app-runner.ts';
import type { RedisConsole } from '../redis-console.ts';
import type { ServerNode } from '../server-node.ts';
import { apiRoutes } from './api-routes.ts';

/** Calls of every builder (both methods of the on/off ones), with arguments of the shapes its callers pass. */
const SAMPLES: { [K in keyof ApiCalls]: ApiCall | ApiCall[] } = {
  lab: apiCalls.lab(),
  trace: apiCalls.trace(50),
  state: apiCalls.state(),
  resetTrace: apiCalls.resetTrace(),
  setup: apiCalls.setup({ servers: 2, adapter: 'redis', clients: [{ server: 's1' }] }),
  server: apiCalls.server('s2', 'crash'),
  cut: apiCalls.cut('s2', { mode: 'freeze' }),
  heal: apiCalls.heal('s2'),
  subCommand: apiCalls.subCommand('s1', ['PING']),
  addServer: apiCalls.addServer(),
  removeServer: apiCalls.removeServer('s4'),
  serversEmit: apiCalls.serversEmit({ event: 'chat message', local: true }),
  redis: apiCalls.redis('stop'),
  redisNode: apiCalls.redisNode('n1', 'start'),
  straySubscriber: [apiCalls.straySubscriber(true), apiCalls.straySubscriber(false)],
  outsiderPublish: apiCalls.outsiderPublish({ channel: 'x', text: 'hi' }),
  lockdown: [apiCalls.lockdown(true), apiCalls.lockdown(false)],
  consoleState: apiCalls.consoleState(),
  consoleRun: apiCalls.consoleRun({ connection: 'A', args: ['PING'] }),
  consoleClose: apiCalls.consoleClose(),
  plainAppState: apiCalls.plainAppState(),
  plainAppStart: apiCalls.plainAppStart({ guard: true }),
  plainAppEmit: apiCalls.plainAppEmit('hi'),
  plainAppStop: apiCalls.plainAppStop(),
  addClients: apiCalls.addClients({ count: 2, rooms: ['blue'] }),
  removeClient: apiCalls.removeClient('c1'),
  emit: apiCalls.emit('c1', 'chat message', ['hi']),
  burst: apiCalls.burst('c1', { count: 5 }),
  emitTogether: apiCalls.emitTogether([
    { client: 'c1', event: 'chat message' },
    { client: 'c2', event: 'chat message' },
  ]),
  balancer: apiCalls.balancer('sticky'),
  lessonClaim: apiCalls.lessonClaim({ id: 'l1', title: 'T', holder: 'page-1' }),
  lessonStep: apiCalls.lessonStep('page-1', 2),
  lessonRelease: apiCalls.lessonRelease('page-1'),
  join: apiCalls.join('Ada'),
  classChange: apiCalls.classChange({ chat: 'paused' }),
  classClearStudents: apiCalls.classClearStudents(),
  classRemoveStudent: apiCalls.classRemoveStudent('st1'),
  classVote: apiCalls.classVote({ question: 'Q?', choices: ['a', 'b'] }),
  classVoteClose: apiCalls.classVoteClose(),
  classVoteEnd: apiCalls.classVoteEnd(),
  pageClients: apiCalls.pageClients('abc', []),
  pageReceipts: apiCalls.pageReceipts('abc', []),
};

function routesOf(call: ApiCall) {
  const path = new URL(call.path, 'http://hub').pathname;
  return apiRoutes.filter((r) => r.method === call.method && r.pattern.test(path));
}

describe('the typed API calls', () => {
  it.each(Object.entries(SAMPLES))('%s names exactly one route of the hub', (_name, calls) => {
    for (const call of [calls].flat())
      expect(routesOf(call), `${call.method} ${call.path}`).toHaveLength(1);
  });

  it('every route of the hub has a builder', () => {
    const built = new Set(Object.values(SAMPLES).flat().flatMap(routesOf));
    const missing = apiRoutes.filter((r) => !built.has(r)).map((r) => `${r.method} ${r.pattern}`);
    expect(missing).toEqual([]);
  });

  it('encodes ids in paths, and puts the body only where there is one', () => {
    expect(apiCalls.removeClient('a/b')).toEqual({ method: 'DELETE', path: '/api/clients/a%2Fb' });
    expect(apiCalls.lessonRelease('p 1').path).toBe('/api/lesson?holder=p%201');
    expect(apiCalls.emit('c1', 'chat message')).toEqual({
      method: 'POST',
      path: '/api/clients/c1/emit',
      body: { event: 'chat message', args: [] },
    });
    expect('body' in apiCalls.lab()).toBe(false);
  });
});

/** The reply type a builder names. */
type Reply<K extends keyof ApiCalls> = NonNullable<ReturnType<ApiCalls[K]>['reply']>;
/** What a method of the lab resolves with: what the route that calls it answers. */
type Answer<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

describe('the reply types of the typed calls', () => {
  // Checked by the type checker (npm run check): a handler whose answer no longer fits the
  // builder's reply type fails it. At run time these do nothing.
  it("fit what the hub's handlers answer", () => {
    expectTypeOf<Answer<Lab['serverAction']>>().toExtend<Reply<'server'>>();
    expectTypeOf<Answer<Lab['serverLink']>>().toExtend<Reply<'cut'>>();
    expectTypeOf<Answer<Lab['serverLink']>>().toExtend<Reply<'heal'>>();
    expectTypeOf<Answer<Lab['addServer']>>().toExtend<Reply<'addServer'>>();
    expectTypeOf<Answer<Lab['removeServer']>>().toExtend<Reply<'removeServer'>>();
    expectTypeOf<Answer<Lab['redisStop']>>().toExtend<Reply<'redis'>>();
    expectTypeOf<Answer<Lab['setup']>>().toExtend<Reply<'setup'>>();
    expectTypeOf<{ nodes: Answer<Lab['toggleClusterNode']> }>().toExtend<Reply<'redisNode'>>();
    expectTypeOf<{ lockedDown: true } & Answer<Lab['lockDown']>>().toExtend<Reply<'lockdown'>>();
    expectTypeOf<Answer<Lab['outsiderPublish']>>().toExtend<Reply<'outsiderPublish'>>();
    expectTypeOf<Answer<Lab['addClients']>>().toExtend<Reply<'addClients'>>();
    expectTypeOf<Answer<Lab['setBalancerMode']>>().toExtend<Reply<'balancer'>>();
    expectTypeOf<Answer<ServerNode['trySubCommand']>>().toExtend<Reply<'subCommand'>>();
    expectTypeOf<{ client: string } & Answer<LabClients['burst']>>().toExtend<Reply<'burst'>>();
    expectTypeOf<Answer<RedisConsole['state']>>().toExtend<Reply<'consoleState'>>();
    expectTypeOf<Answer<RedisConsole['run']>>().toExtend<Reply<'consoleRun'>>();
    expectTypeOf<Answer<PlainAppRunner['state']>>().toExtend<Reply<'plainAppState'>>();
    expectTypeOf<Answer<PlainAppRunner['start']>>().toExtend<Reply<'plainAppStart'>>();
    expectTypeOf<Answer<PlainAppRunner['emit']>>().toExtend<Reply<'plainAppEmit'>>();
    expectTypeOf<Answer<Classroom['configure']>>().toExtend<Reply<'classChange'>>();
    expectTypeOf<Answer<Classroom['openVote']>>().toExtend<Reply<'classVote'>>();
    expectTypeOf<Answer<Classroom['closeVote']>>().toExtend<Reply<'classVoteClose'>>();
  });
});
