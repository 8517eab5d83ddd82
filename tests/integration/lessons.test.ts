/**
 * Every lesson in lessons/, played headlessly against a real lab with real Redis, the way a
 * learner's page would: the setup and each `do` through the control API, each task through its
 * "show me", and each prediction answered right in one run and wrong in another, so the test
 * sees the lab prove the right answers right and catch the wrong ones. Every claim a step's
 * `check` lists (an order, a count, a channel the narration states) must hold in both runs. A
 * lesson that cannot be completed within the bounds fails here.
 *
 * Each lab (real Redis, the embedded broker, the Redis Cluster) plays its lessons strictly one
 * after another: they share that lab and its lesson lock. The labs themselves run side by side:
 * a lesson mostly waits (settle timers, restarts, Redis down and up, fetchSockets timeouts), so
 * playing the backends one after another only added their waits up. Hence each lab's suite is
 * `describe.concurrent` around a `describe.sequential` that holds its tests (in Vitest a suite
 * overlaps its siblings only when it is concurrent itself; a sequential one waits its turn), and
 * every test asserts with its own context's `expect`, so a failure is told to the right test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { BACKENDS, closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import type { Envelope } from '../../trace/events.ts';
import { parseLesson, LessonFormatError } from '../../trace/lesson/lesson-format.ts';
import { LessonRunner, type Phase, type RunnerView } from '../../trace/lesson/lesson-runner.ts';
import type { Lesson } from '../../trace/lesson/lesson-types.ts';
import type { ApiCall } from '../../trace/api-calls.ts';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';

const DIR = new URL('../../lessons/', import.meta.url);
/** A step's waitFor must hold within this; generous, the CI machine has 2 shared cores. */
const STEP_BOUND_MS = 25_000;

function loadLessons(): Lesson[] {
  return readdirSync(DIR)
    .filter((f) => /^\d.*\.md$/.test(f))
    .sort()
    .map((f) => parseLesson(`lessons/${f}`, readFileSync(new URL(f, DIR), 'utf8')));
}

const LESSONS = loadLessons();
const ONLY = process.env.LESSON; // LESSON=ten-steps narrows the run while writing a lesson
function until(
  runner: LessonRunner,
  phases: Phase[],
  what: string,
  timeoutMs = STEP_BOUND_MS,
): Promise<RunnerView> {
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      const v = runner.view;
      reject(
        new Error(
          `${what}: still "${v.phase}" after ${timeoutMs} ms${v.error ? ` (${v.error})` : ''}`,
        ),
      );
    }, timeoutMs);
    off = runner.subscribe((view) => {
      if (view.phase === 'error' && !phases.includes('error')) {
        clearTimeout(timer);
        queueMicrotask(() => off());
        reject(new Error(`${what}: ${view.error}`));
      } else if (phases.includes(view.phase)) {
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve(view);
      }
    });
  });
}

/** Plays a whole lesson; `answers` picks the choice for each prediction. */
async function play(
  lab: TestLab,
  lesson: Lesson,
  answers: 'right' | 'wrong',
  expect: ExpectStatic,
) {
  const runner = new LessonRunner(
    lesson,
    {
      send: (call) => lab.send(call),
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
    `test-${answers}`,
  );
  const feed = (env: Envelope) => runner.push(env.events);
  lab.lab.on('trace', feed);
  try {
    await runner.start();
    for (const [i, step] of lesson.steps.entries()) {
      const where = `${lesson.file}:${step.line} step ${i + 1} "${step.title}"`;
      const view = await until(runner, ['predict', 'waiting', 'done'], `${where} entering`);
      expect(view.index).toBe(i);
      const p = step.predict;
      const choice = p ? (answers === 'right' ? p.expect : (p.expect + 1) % p.choices.length) : -1;
      if (p) await runner.answer(choice);
      if (step.task) {
        await until(runner, ['waiting', 'done'], `${where} before its task`);
        await runner.showMe();
      }
      const done = await until(runner, ['done'], `${where} waitFor`);
      // What the narration states, checked on the trace whatever the answer was.
      const claims = done.results[i].claims ?? [];
      expect(claims.length, `${where}: claims checked`).toBe(step.check.length);
      const missed = claims
        .filter((c) => !c.held)
        .map((c) => `${c.says} (the lab showed: ${c.saw})`);
      expect(missed, `${where}: claims the lab did not bear out`).toEqual([]);
      if (p) {
        const r = done.results[i];
        expect(r.fits, `${where}: the lab showed "${r.observed}"`).toEqual([p.expect]);
        expect(r.verdict, `${where}: answered choice ${choice}`).toBe(answers);
      }
      await runner.next();
    }
    expect(runner.view.phase).toBe('complete');
  } finally {
    lab.lab.off('trace', feed);
    await runner.release();
  }
}

afterAll(closeAllLabs);

const CHOSEN = LESSONS.filter((l) => !ONLY || l.id === ONLY);
/** Lessons that run on a Redis Cluster (`setup.cluster: required`): redis-server only. */
const ON_CLUSTER = CHOSEN.filter((l) => l.setup.cluster === 'required');
const PLAIN = CHOSEN.filter((l) => l.setup.cluster !== 'required');
/**
 * LESSON_CLUSTER=1 plays the chosen single-Redis lessons on the cluster too: a lab started with
 * --redis-cluster runs them there (lesson 13's sharded adapter then SSUBSCRIBEs on real shards).
 */
const ALSO_ON_CLUSTER = process.env.LESSON_CLUSTER === '1' ? PLAIN : [];

function playBothWays(labOf: () => TestLab, lesson: Lesson): void {
  it(`${lesson.id}: completes, with every prediction proved right by the lab`, async ({
    expect,
  }) => {
    await play(labOf(), lesson, 'right', expect);
  }, 240_000);
  if (lesson.steps.some((s) => s.predict)) {
    it(`${lesson.id}: catches every wrong prediction`, async ({ expect }) => {
      await play(labOf(), lesson, 'wrong', expect);
    }, 240_000);
  }
}

// The cluster lessons, on a local Redis Cluster of real redis-servers (the embedded broker has no
// cluster mode). A missing redis-server fails here, never skips. Side by side with the other labs.
describe
  .runIf(ON_CLUSTER.length + ALSO_ON_CLUSTER.length > 0)
  .concurrent('the lessons on a Redis Cluster', () => {
    let lab: TestLab;
    beforeAll(async () => {
      const cluster = await LabCluster.open({});
      lab = await makeLab('redis', { cluster });
    }, 60_000);
    describe.sequential('one after another on this lab', () => {
      for (const lesson of [...ON_CLUSTER, ...ALSO_ON_CLUSTER]) playBothWays(() => lab, lesson);
    });
  });

// Real Redis and the embedded broker (LAB_BACKENDS=redis narrows it), each lab side by side with
// the others, its own tests one after another.
describe.concurrent.each(BACKENDS)('the lessons on the real lab (%s)', (backend) => {
  let lab: TestLab;
  beforeAll(async () => {
    // The lab owns its Redis, so lessons can stop and start it.
    lab = await makeLab(backend, { redisKind: 'owned' });
  });
  afterAll(() => lab.close());

  describe.sequential('one after another on this lab', () => {
    for (const lesson of PLAIN) playBothWays(() => lab, lesson);

    // A lesson that needs a Redis Cluster refuses this lab, in one sentence.
    for (const lesson of ON_CLUSTER)
      it(`${lesson.id}: refused by a lab on one Redis`, async ({ expect }) => {
        const runner = new LessonRunner(
          lesson,
          { send: (call) => lab.send(call), wait: (ms) => new Promise((r) => setTimeout(r, ms)) },
          'test-refused',
        );
        try {
          await runner.start();
          expect(runner.view.phase).toBe('error');
          expect(runner.view.error).toMatch(
            /This lesson needs the lab on a Redis Cluster: start it with npm start -- --redis-cluster/,
          );
        } finally {
          await runner.release();
        }
      });

    it('a second holder is told the lab is busy, and gets it once the first lets go', async ({
      expect,
    }) => {
      const lesson = LESSONS[0];
      const executor = {
        send: (call: ApiCall) => lab.send(call),
        wait: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      };
      const first = new LessonRunner(lesson, executor, 'first');
      const second = new LessonRunner(lesson, executor, 'second');
      await first.start();
      await second.start();
      expect(second.view.phase).toBe('busy');
      expect(second.view.busy).toContain(lesson.title);
      await first.release();
      await second.start();
      expect(second.view.phase).not.toBe('busy');
      await second.release();
    });
  });
});

describe('lesson files', () => {
  it('there are lessons, and each parses', () => {
    expect(LESSONS.length).toBeGreaterThan(0);
  });

  it('a malformed lesson fails with its file and line', () => {
    const bad = [
      '---',
      'id: x',
      'title: X',
      'summary: s',
      'teaches: t',
      'level: beginner',
      'minutes: 5',
    ];
    const setup = ['setup:', '  servers: 3', '  adapter: redis', '---', '', '## One', 'Hi.'];
    const block = ['```lesson', 'do:', '  - stop: s9', '```'];
    const text = [...bad, ...setup, ...block].join('\n');
    expect(() => parseLesson('lessons/bad.md', text)).toThrow(LessonFormatError);
    expect(() => parseLesson('lessons/bad.md', text)).toThrow(
      /^lessons\/bad\.md:17: there is no server s9/,
    );
  });
});
