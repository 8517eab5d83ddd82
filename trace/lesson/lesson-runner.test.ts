import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../events.ts';
import { parseLesson } from './lesson-format.ts';
import { LessonRunner } from './lesson-runner.ts';
import { describeAction } from './lesson-actions.ts';
import type { LessonSetup } from './lesson-types.ts';
import type { ApiCall } from '../api-calls.ts';

const LESSON = `---
id: demo
title: Demo
summary: A demo.
teaches: Nothing much.
level: beginner
minutes: 5
setup:
  servers: 2
  adapter: redis
  clients: [{ server: s1 }, { server: s2 }]
---

## Who gets it

\`\`\`lesson
do: { emit: { client: c2, event: chat message, args: [hi] } }
predict:
  question: Who gets it?
  choices: [{ text: c2 only, value: [c2] }, { text: both, value: [c1, c2] }]
  observe: { event: { kind: client.receive }, sameFlow: true, collect: client }
  expect: 1
  settleMs: 0
waitFor: { event: { kind: client.receive }, sameFlow: true, count: 2 }
\`\`\`

## Your turn

\`\`\`lesson
task:
  text: Stop s2.
  showMe: { stop: s2 }
  done: { server: s2, state: down }
\`\`\`
`;

let seq = 0;
function ev(e: Record<string, unknown>): LabEvent {
  return { seq: ++seq, t: 0, step: 8, server: 's1', ...e } as unknown as LabEvent;
}

/** A lab that answers the API and reports what a real one would, through `push`. */
function fakeLab(options: { busy?: boolean } = {}) {
  const calls: string[] = [];
  let runner: LessonRunner | null = null;
  const executor = {
    async send({ method, path, body }: ApiCall) {
      calls.push(`${method} ${path}${body && /emit|setup|sub-command/.test(path) ? ` ${JSON.stringify(body)}` : ''}`);
      if (path === '/api/lesson' && options.busy)
        return { status: 409, body: { error: 'The lab is busy with the lesson "Other".' } };
      if (path === '/api/lab/setup') {
        runner!.push(['s1', 's2'].map((server) => ev({ kind: 'server.up', server, port: 1, adapter: 'redis' })));
        return { status: 200, body: { clients: [{ id: 'c7', kind: 'lab' }, { id: 'p1', kind: 'page' }, { id: 'c8', kind: 'lab' }] } };
      }
      if (path === '/api/clients/c8/emit') {
        queueMicrotask(() =>
          runner!.push([
            ev({ kind: 'client.emit', client: 'c8', event: 'chat message', flow: 'f1', server: 's2' }),
            ev({ kind: 'client.receive', client: 'c8', event: 'chat message', flow: 'f1' }),
            ev({ kind: 'client.receive', client: 'c7', event: 'chat message', flow: 'f1' }),
          ]),
        );
      }
      if (path === '/api/servers/s2/stop')
        queueMicrotask(() => runner!.push([ev({ kind: 'server.down', reason: 'stop', server: 's2' })]));
      if (path === '/api/clients/c7/emit')
        return { status: 200, body: { client: 'c7', event: 'count sockets', reply: { error: 'timeout reached' } } };
      if (path.startsWith('/api/servers/s9')) return { status: 404, body: { error: 'There is no server "s9".' } };
      return { status: 200, body: {} };
    },
    wait: () => new Promise<void>((r) => setTimeout(r, 1)),
  }; // prettier-ignore
  return {
    calls,
    make(lesson = parseLesson('demo.md', LESSON)) {
      runner = new LessonRunner(lesson, executor, 'page-1');
      return runner;
    },
  };
}

async function phase(runner: LessonRunner, want: string): Promise<void> {
  for (let i = 0; i < 200 && runner.view.phase !== want; i++)
    await new Promise((r) => setTimeout(r, 2));
  expect(runner.view.phase).toBe(want);
}

describe('LessonRunner', () => {
  it('claims the lab, sets it up, and names clients as the lesson does', async () => {
    const lab = fakeLab();
    const runner = lab.make();
    await runner.start();
    expect(lab.calls.slice(0, 6)).toEqual([
      'POST /api/lesson',
      'DELETE /api/redis/stray-subscriber',
      'DELETE /api/redis/console',
      'DELETE /api/plain-app',
      'DELETE /api/redis/lockdown',
      'POST /api/lab/setup {"servers":2,"adapter":"redis","resp":3,"clients":[{"server":"s1","rooms":[]},{"server":"s2","rooms":[]}]}',
    ]);
    expect(runner.clientId('c1')).toBe('c7');
    expect(runner.clientId('c2')).toBe('c8');
    expect(runner.clientName('c8')).toBe('c2');
    expect(runner.view.clients).toEqual({ c1: 'c7', c2: 'c8' });
    expect(runner.view.phase).toBe('predict');
  });

  it.each([
    [1, 'right'],
    [0, 'wrong'],
  ] as const)('choice %i is judged %s by what the lab did', async (choice, verdict) => {
    const lab = fakeLab();
    const runner = lab.make();
    await runner.start();
    await runner.answer(choice);
    await phase(runner, 'done');
    expect(lab.calls).toContain('POST /api/clients/c8/emit {"event":"chat message","args":["hi"]}');
    expect(runner.view.results[0]).toMatchObject({
      choice,
      verdict,
      fits: [1],
      observed: 'c1, c2',
    });
  });

  it('a task is done by the learner or by "show me", and the lesson completes', async () => {
    const lab = fakeLab();
    const runner = lab.make();
    await runner.start();
    await runner.answer(1);
    await phase(runner, 'done');
    await runner.next();
    await phase(runner, 'waiting');
    expect(runner.view.taskDone).toBe(false);
    await runner.showMe();
    await phase(runner, 'done');
    expect(runner.view.results[1].showedMe).toBe(true);
    await runner.next();
    expect(runner.view.phase).toBe('complete');
    expect(lab.calls.at(-1)).toBe('DELETE /api/lesson?holder=page-1');
  });

  it('checks the claims of a step once it is done, held or not, with what the lab showed', async () => {
    const lesson = parseLesson('demo.md', LESSON);
    lesson.steps[0].check = [
      { says: 'both got it', holds: { event: { kind: 'client.receive' }, sameFlow: true, exactly: 2 }, line: 1 },
      { says: 'c2 before c1', holds: { order: [{ kind: 'client.receive', client: 'c2' }, { kind: 'client.receive', client: 'c1' }] }, line: 2 },
      { says: 'c1 before c2', holds: { order: [{ kind: 'client.receive', client: 'c1' }, { kind: 'client.receive', client: 'c2' }] }, line: 3 },
    ];
    const runner = fakeLab().make(lesson);
    await runner.start();
    await runner.answer(0);
    await phase(runner, 'done');
    expect(runner.view.results[0].claims).toEqual([
      { says: 'both got it', held: true },
      { says: 'c2 before c1', held: true },
      { says: 'c1 before c2', held: false, saw: 'client.receive came #3, client.receive came #2' },
    ]);
  }); // prettier-ignore

  it('says so when another lesson holds the lab', async () => {
    const runner = fakeLab({ busy: true }).make();
    await runner.start();
    expect(runner.view).toMatchObject({ phase: 'busy', busy: expect.stringContaining('Other') });
  });

  it('an action the lab refuses stops the step with the reason', async () => {
    const lesson = parseLesson('demo.md', LESSON);
    lesson.steps[0].do = [{ stop: 's9' }];
    const runner = fakeLab().make(lesson);
    await runner.start();
    await runner.answer(1);
    expect(runner.view).toMatchObject({ phase: 'error' });
    expect(runner.view.error).toBe('POST /api/servers/s9/stop: There is no server "s9".');
  });

  it("keeps the answers to the lesson's emits, and runs sub-commands and the stray subscriber", async () => {
    const lesson = parseLesson('demo.md', LESSON);
    lesson.steps[0].do = [
      { straySubscriber: 'on' },
      { subCommand: { server: 's1', args: ['PUBLISH', 'demo', 'hi'] } },
      { emit: { client: 'c1', event: 'count sockets', args: [] } },
      { straySubscriber: 'off' },
    ];
    lesson.steps[0].predict!.observe = { reply: { client: 'c1' }, collect: 'reply.error' };
    lesson.steps[0].predict!.choices = [
      { text: 'a count', value: [] },
      { text: 'a timeout', value: ['timeout reached'] },
    ];
    lesson.steps[0].waitFor = { reply: { client: 'c1', event: 'count sockets' } };
    const lab = fakeLab();
    const runner = lab.make(lesson);
    await runner.start();
    await runner.answer(1);
    await phase(runner, 'done');
    expect(lab.calls.slice(-4)).toEqual([
      'POST /api/redis/stray-subscriber',
      'POST /api/servers/s1/sub-command {"args":["PUBLISH","demo","hi"]}',
      'POST /api/clients/c7/emit {"event":"count sockets","args":[]}',
      'DELETE /api/redis/stray-subscriber',
    ]);
    expect(runner.view.results[0]).toMatchObject({ verdict: 'right', observed: 'timeout reached' });
  });

  it('describes the new actions for the "show me" button', () => {
    const sub = { subCommand: { server: 's1', args: ['PUBLISH', 'lab:demo', 'from the sub'] } };
    expect(describeAction(sub)).toBe('s1\'s sub connection sends PUBLISH lab:demo "from the sub"');
    expect(describeAction({ straySubscriber: 'on' })).toBe('add a stray subscriber');
    expect(describeAction({ straySubscriber: 'off' })).toBe('remove the stray subscriber');
    expect(describeAction({ lockdown: 'on' })).toBe('lock the channels down with an ACL user');
    expect(describeAction({ outsider: { event: 'chat message', args: [] } })).toBe(
      'someone outside the lab forges "chat message"',
    );
    expect(describeAction({ outsider: { channel: 'socket.io#/#', text: 'hi' } })).toBe(
      'someone outside the lab publishes on socket.io#/#',
    );
    const setup: LessonSetup = { servers: 3, adapter: 'redis', resp: 2, clients: [] };
    expect(describeAction({ setup })).toBe('rebuild the lab (3 servers, redis adapter, RESP2)');
  });

  it('names a client the page added when it first connects', async () => {
    const runner = fakeLab().make();
    await runner.start();
    runner.push([ev({ kind: 'client.connect', client: 'c3', socketId: 'x' })]); // older than c8: not new
    runner.push([ev({ kind: 'client.connect', client: 'c12', socketId: 'y' })]);
    expect(runner.clientId('c3')).toBe('c12');
  });
});
