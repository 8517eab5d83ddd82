/**
 * One learner's lesson in the page: the pure LessonRunner, fed by the page's one /lab socket
 * (LabConnection's `onHubBatch`; a second socket got every batch twice). That socket carries the
 * page's `holder`, so the hub lets go of the lab when the page goes away, and its lab info
 * tells the list when another page holds the lab. Every change to the lab goes through the
 * control API (LabApi), with the page's token if it has one.
 */
import type { Envelope } from '../../../trace/events.ts';
import type { LabInfo } from '../../../trace/lab-info.ts';
import type { LabConnection } from '../state/lab-connection.svelte.ts';
import {
  LessonRunner,
  type LessonExecutor,
  type RunnerView,
} from '../../../trace/lesson/lesson-runner.ts';
import type { Lesson } from '../../../trace/lesson/lesson-types.ts';
import { ApiError, type LabApi } from '../state/lab-api.ts';
import { saveProgress } from './lesson-progress.ts';

export class LessonSession {
  view = $state.raw<RunnerView | null>(null);
  /** Steps the learner asked a hint for, by index. */
  hinted = $state<number[]>([]);
  /** Goes up with every batch that carries a Redis console line, so the console reads again. */
  consoleVersion = $state(0);
  private runner: LessonRunner | null = null;
  private unlisten: (() => void) | null = null;

  /** Getters: the page may swap its LabApi (a new token), and the session follows. */
  constructor(
    private readonly apiOf: () => LabApi,
    private readonly connectionOf: () => LabConnection,
  ) {}

  private get connection(): LabConnection {
    return this.connectionOf();
  }

  get api(): LabApi {
    return this.apiOf();
  }

  get holder(): string {
    return this.connection.holder;
  }

  get lab(): LabInfo | null {
    return this.connection.lab;
  }

  /** Another page's lesson holds the lab: its title and step, for the notice. */
  get busyWith(): string | null {
    const lesson = this.lab?.lesson;
    return lesson && lesson.holder !== this.holder
      ? `${lesson.title} (step ${lesson.step + 1})`
      : null;
  }

  connect(): void {
    this.unlisten ??= this.connection.onHubBatch((envelope: Envelope) => {
      this.runner?.push(envelope.events);
      if (envelope.events.some((e) => e.kind === 'console')) this.consoleVersion += 1;
    });
  }

  private executor(): LessonExecutor {
    return {
      send: async (call) => {
        try {
          return { status: 200, body: await this.api.send(call) };
        } catch (err) {
          const status = err instanceof ApiError ? err.status || 503 : 500;
          return { status, body: { error: (err as Error).message } };
        }
      },
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  }

  async open(lesson: Lesson): Promise<void> {
    this.connect();
    await this.leave();
    this.hinted = [];
    const runner = new LessonRunner(lesson, this.executor(), this.holder);
    this.runner = runner;
    runner.subscribe((view) => {
      if (this.runner !== runner) return;
      this.view = view;
      this.remember(view);
    });
    await runner.start();
  }

  private remember(view: RunnerView): void {
    const asked = view.results.filter((r) => r.verdict);
    saveProgress(view.lesson.id, {
      step: view.index,
      done: view.phase === 'complete',
      ...(view.phase === 'complete'
        ? { asked: asked.length, right: asked.filter((r) => r.verdict === 'right').length }
        : {}),
    });
  }

  clientId = (name: string): string => this.runner?.clientId(name) ?? name;

  answer = (choice: number) => this.runner?.answer(choice);
  showMe = () => this.runner?.showMe();
  next = () => this.runner?.next();
  back = () => this.runner?.back();
  retry = () => this.runner?.retry();
  reset = () => this.runner?.restart();
  start = () => this.runner?.start();

  hint(): void {
    const index = this.view?.index ?? 0;
    this.runner?.noteHint();
    if (!this.hinted.includes(index)) this.hinted = [...this.hinted, index];
  }

  /** Ends the lesson (the lab is let go) and goes back to the list. */
  async leave(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    this.view = null;
    await runner?.release();
  }

  close(): void {
    void this.leave();
    this.unlisten?.();
    this.unlisten = null;
  }
}
