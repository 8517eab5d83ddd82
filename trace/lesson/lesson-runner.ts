/**
 * The lesson step machine, shared by the page and the headless test. It holds no timers and
 * does no I/O itself: it asks an executor to call the control API and to wait, it is fed the
 * live trace with `push`, and it tells listeners whenever its view changes.
 *
 * A step goes: (predict: wait for an answer) -> acting (its `do`) -> waiting (for its task and
 * `waitFor`) -> settling (a prediction watches a little longer) -> done. `next` enters the next
 * step; after the last one the lesson is complete.
 */
import type { LabEvent } from '../events.ts';
import { reduce } from '../reducer.ts';
import { emptyState, type LabState } from '../state.ts';
import type { Lesson, LessonAction, LessonReply, LessonStep } from './lesson-types.ts';
import { apiCallsOf } from './lesson-actions.ts';
import { apiCalls, type ApiCall } from '../api-calls.ts';
import {
  checkClaim,
  describeObserved,
  fittingChoices,
  holds,
  observe,
  type ClaimResult,
  type ConditionContext,
} from './lesson-conditions.ts';

export interface LessonExecutor {
  /** Sends one control API call (api-calls.ts); an error is an answer with its status, never a throw. */
  send(call: ApiCall): Promise<{ status: number; body: unknown }>;
  wait(ms: number): Promise<void>;
}

export type Phase =
  | 'idle'
  | 'starting'
  | 'busy'
  | 'predict'
  | 'acting'
  | 'waiting'
  | 'settling'
  | 'done'
  | 'complete'
  | 'error';

/** right: the lab proved the answer; wrong: it proved another; unforeseen: no choice fits what happened. */
export type Verdict = 'right' | 'wrong' | 'unforeseen';

export interface StepResult {
  choice?: number;
  verdict?: Verdict;
  /** What the lab showed, in words. */
  observed?: string;
  /** The choices that fit what the lab did. */
  fits?: number[];
  showedMe?: boolean;
  hinted?: boolean;
  /** The step's checked claims: what the narration said, and whether the lab bore it out. */
  claims?: ClaimResult[];
}

export interface RunnerView {
  lesson: Lesson;
  index: number;
  step: LessonStep | undefined;
  phase: Phase;
  /** The task is done (or the step has none). */
  taskDone: boolean;
  error?: string;
  /** Why the lab could not be claimed: another lesson holds it. */
  busy?: string;
  results: StepResult[];
  /**
   * The lesson's client names and the lab's ids for them. The hub numbers clients from c1 at
   * every setup, so they normally agree; the translation stays as a safety net.
   */
  clients: Record<string, string>;
}

export class LessonApiError extends Error {}

const STEP_EVENT_CAP = 50_000;
/** The trace trails the API by a few batches; a step starts once it has been quiet this long... */
const QUIET_MS = 150;
/** ...or after this, whatever still trickles in (reconnecting clients can go on for seconds). */
const QUIET_CAP_MS = 1500;
/** A step with claims and no prediction still watches this long, for the trace to catch up. */
const CLAIM_SETTLE_MS = 300;

export class LessonRunner {
  private phase: Phase = 'idle';
  private index = 0;
  private error?: string;
  private busy?: string;
  private taskDone = false;
  private stepEvents: LabEvent[] = [];
  /** The answers to the lesson's emits since the step began (acks are not in the trace). */
  private stepReplies: LessonReply[] = [];
  /** Events other than counters received so far: how `quiet` tells the trace has caught up. */
  private received = 0;
  private readonly state: LabState = emptyState();
  private readonly aliases = new Map<string, string>();
  /** Set once a setup made the lesson's clients: from then on, new lab clients get names. */
  private naming = false;
  private readonly results: StepResult[];
  private readonly listeners = new Set<(view: RunnerView) => void>();

  constructor(
    readonly lesson: Lesson,
    private readonly executor: LessonExecutor,
    private readonly holder: string,
  ) {
    this.results = lesson.steps.map(() => ({}));
  }

  /** Subscribes to view changes; returns the unsubscribe function. */
  subscribe(listener: (view: RunnerView) => void): () => void {
    this.listeners.add(listener);
    listener(this.view);
    return () => this.listeners.delete(listener);
  }

  get view(): RunnerView {
    return {
      lesson: this.lesson,
      index: this.index,
      step: this.lesson.steps[this.index],
      phase: this.phase,
      taskDone: this.taskDone,
      error: this.error,
      busy: this.busy,
      results: this.results.map((r) => ({ ...r })),
      clients: Object.fromEntries(this.aliases),
    };
  }

  /** The lab's id for a lesson client name, for the stage's highlights. */
  clientId = (name: string): string => this.aliases.get(name) ?? name;

  clientName = (id: string): string => {
    for (const [name, real] of this.aliases) if (real === id) return name;
    return id;
  };

  /** Feeds the live trace. */
  push(events: readonly LabEvent[]): void {
    for (const e of events) {
      reduce(this.state, e);
      this.stepEvents.push(e);
      if (e.kind !== 'counters') this.received += 1;
      if (e.kind === 'client.connect' && e.client) this.learnClient(e.client);
    }
    if (this.stepEvents.length > STEP_EVENT_CAP) this.stepEvents.splice(0, STEP_EVENT_CAP / 2);
    if (this.phase === 'waiting') void this.check();
  }

  /** Claims the lab, applies the setup and enters the first step. */
  async start(): Promise<void> {
    this.phase = 'starting';
    this.busy = undefined;
    this.emitChange();
    const claim = await this.executor.send(
      apiCalls.lessonClaim({ id: this.lesson.id, title: this.lesson.title, holder: this.holder }),
    );
    if (claim.status === 409) {
      this.busy = errorText(claim.body) ?? 'The lab is busy with another lesson.';
      this.phase = 'busy';
      this.emitChange();
      return;
    }
    if (claim.status >= 400) return this.fail(errorText(claim.body) ?? `HTTP ${claim.status}`);
    await this.restart();
  }

  /** Rebuilds the lab from the lesson's setup and goes back to the first step. */
  async restart(): Promise<void> {
    this.phase = 'starting';
    this.emitChange();
    try {
      await this.perform({ setup: this.lesson.setup });
    } catch (err) {
      return this.fail((err as Error).message);
    }
    this.results.forEach((r) => Object.keys(r).forEach((k) => delete r[k as keyof StepResult]));
    await this.enter(0);
  }

  async release(): Promise<void> {
    await this.executor.send(apiCalls.lessonRelease(this.holder)).catch(() => undefined);
  }

  /** The learner's answer to the step's prediction; then the step's action happens. */
  async answer(choice: number): Promise<void> {
    const step = this.lesson.steps[this.index];
    if (this.phase !== 'predict' || !step?.predict) return;
    if (!Number.isInteger(choice) || choice < 0 || choice >= step.predict.choices.length) return;
    this.results[this.index].choice = choice;
    await this.act(step);
  }

  /** "Show me": the lab does the step's task for the learner. */
  async showMe(): Promise<void> {
    const step = this.lesson.steps[this.index];
    if (this.phase !== 'waiting' || !step?.task || this.taskDone) return;
    this.results[this.index].showedMe = true;
    try {
      for (const action of step.task.showMe) await this.perform(action);
    } catch (err) {
      return this.fail((err as Error).message);
    }
    await this.check();
  }

  noteHint(): void {
    const r = this.results[this.index];
    if (r) r.hinted = true;
  }

  async next(): Promise<void> {
    if (this.phase !== 'done') return;
    if (this.index + 1 >= this.lesson.steps.length) {
      this.phase = 'complete';
      this.emitChange();
      await this.release();
      return;
    }
    await this.enter(this.index + 1);
  }

  /** Goes back one step and plays it again (its action happens again). */
  async back(): Promise<void> {
    if (['starting', 'acting', 'settling'].includes(this.phase) || this.index === 0) return;
    await this.enter(this.index - 1);
  }

  /** Plays the current step again, e.g. after an error. */
  async retry(): Promise<void> {
    await this.enter(this.index);
  }

  private async enter(index: number): Promise<void> {
    this.index = index;
    this.error = undefined;
    this.taskDone = false;
    this.results[index] = {};
    void this.executor.send(apiCalls.lessonStep(this.holder, index)).catch(() => undefined);
    const step = this.lesson.steps[index];
    if (step.predict) {
      this.phase = 'predict';
      this.stepEvents = [];
      this.stepReplies = [];
      this.emitChange();
      return;
    }
    await this.act(step);
  }

  /** Waits until the trace of what came before has arrived, so it is not taken for this step's. */
  private async quiet(): Promise<void> {
    for (let waited = 0; waited < QUIET_CAP_MS; waited += QUIET_MS) {
      const before = this.received;
      await this.executor.wait(QUIET_MS);
      if (this.received === before) return;
    }
  }

  private async act(step: LessonStep): Promise<void> {
    this.phase = 'acting';
    this.emitChange();
    await this.quiet();
    this.stepEvents = [];
    this.stepReplies = [];
    try {
      for (const action of step.do) await this.perform(action);
    } catch (err) {
      return this.fail((err as Error).message);
    }
    this.phase = 'waiting';
    this.emitChange();
    await this.check();
  }

  private context(): ConditionContext {
    return {
      events: this.stepEvents,
      replies: this.stepReplies,
      state: this.state,
      clientId: this.clientId,
      clientName: this.clientName,
    };
  }

  private async check(): Promise<void> {
    const step = this.lesson.steps[this.index];
    if (this.phase !== 'waiting' || !step) return;
    const ctx = this.context();
    if (step.task && !this.taskDone && holds(step.task.done, ctx)) {
      this.taskDone = true;
      this.emitChange();
    }
    const ready = (!step.task || this.taskDone) && (!step.waitFor || holds(step.waitFor, ctx));
    if (!ready) return;
    if (!step.predict && step.check.length === 0) {
      this.phase = 'done';
      this.emitChange();
      return;
    }
    this.phase = 'settling';
    this.emitChange();
    const index = this.index;
    const claimWait = step.check.length ? CLAIM_SETTLE_MS : 0;
    await this.executor.wait(Math.max(step.predict?.settleMs ?? 0, claimWait));
    // The learner may have moved on (back, restart) while this step settled.
    if (this.index !== index || this.phase !== 'settling') return;
    const result = this.results[index];
    const after = this.context();
    if (step.predict) {
      const observed = observe(step.predict.observe, after);
      const fits = fittingChoices(step.predict.choices, observed);
      result.fits = fits;
      result.observed = describeObserved(observed);
      result.verdict =
        fits.length === 0 ? 'unforeseen' : fits.includes(result.choice ?? -1) ? 'right' : 'wrong';
    }
    if (step.check.length) result.claims = step.check.map((c) => checkClaim(c, after));
    this.phase = 'done';
    this.emitChange();
  }

  private async perform(action: LessonAction): Promise<void> {
    let body: unknown;
    for (const call of apiCallsOf(action, this.clientId)) {
      const res = await this.executor.send(call);
      if (res.status >= 400)
        throw new LessonApiError(
          `${call.method} ${call.path}: ${errorText(res.body) ?? `HTTP ${res.status}`}`,
        );
      body = res.body;
    }
    if ('setup' in action || 'addClient' in action) this.nameClients(body, 'setup' in action);
    if ('emit' in action) {
      const { client, event } = action.emit;
      const reply = (body as { reply?: unknown } | null)?.reply;
      this.stepReplies.push({ client: this.clientId(client), event, reply });
    }
  }

  /**
   * A lab client made from the page (not by this runner) gets the next lesson name when it
   * first connects. Between setups lab ids only grow, so an id above every named one is a new client.
   */
  private learnClient(id: string): void {
    const n = Number(/^c(\d+)$/.exec(id)?.[1]);
    if (!n || !this.naming) return;
    const known = [...this.aliases.values()];
    if (known.includes(id)) return;
    if (known.every((k) => Number(k.slice(1)) < n))
      this.aliases.set(`c${this.aliases.size + 1}`, id);
  }

  /** Lesson client names (c1, c2...) for the lab clients a setup or addClient made. */
  private nameClients(body: unknown, fresh: boolean): void {
    const list = Array.isArray(body)
      ? body
      : ((body as { clients?: unknown[] } | null)?.clients ?? []);
    const made = (list as { id: string; kind?: string }[]).filter((c) => c.kind !== 'page');
    if (fresh) {
      this.aliases.clear();
      this.naming = true;
    }
    for (const c of made) {
      const known = [...this.aliases.values()].includes(c.id);
      if (!known) this.aliases.set(`c${this.aliases.size + 1}`, c.id);
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.phase = 'error';
    this.emitChange();
  }

  private emitChange(): void {
    const view = this.view;
    for (const l of this.listeners) l(view);
  }
}

function errorText(body: unknown): string | undefined {
  const e = (body as { error?: unknown } | null)?.error;
  return typeof e === 'string' ? e : undefined;
}
