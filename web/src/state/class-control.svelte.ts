/**
 * The teacher's side of classroom mode, for the lab page: every change goes through the hub's
 * API with the page's token (docs/api.md "The class"); whether the projector shows the join QR
 * code is this page's own choice.
 */
import type { Prediction } from '../../../trace/lesson/lesson-types.ts';
import { apiCalls, type ApiCall } from '../../../trace/api-calls.ts';
import { ApiError, type LabApi } from './lab-api.ts';

export class ClassControl {
  /** The QR code and address on the stage; hidden by the teacher to show the stage whole. */
  qr = $state(true);
  /** What the last call did, or why it failed, in one sentence. */
  status = $state('');
  busy = $state(false);

  constructor(
    private readonly api: () => LabApi,
    private readonly onneedtoken: () => void,
  ) {}

  private async call(what: string, call: ApiCall): Promise<boolean> {
    this.busy = true;
    try {
      await this.api().send(call);
      this.status = `${what}: done.`;
      return true;
    } catch (err) {
      this.status = `${what} failed: ${(err as Error).message}`;
      if (err instanceof ApiError && err.status === 401) this.onneedtoken();
      return false;
    } finally {
      this.busy = false;
    }
  }

  set(change: {
    joining?: 'open' | 'paused';
    chat?: 'open' | 'paused';
    placement?: string | null;
  }) {
    const what =
      change.chat !== undefined
        ? `${change.chat === 'paused' ? 'Pause' : 'Open'} the chat`
        : change.joining !== undefined
          ? `${change.joining === 'paused' ? 'Pause' : 'Open'} joining`
          : `New phones to ${change.placement ?? 'round-robin'}`;
    return this.call(what, apiCalls.classChange(change));
  }

  remove(id: string, name: string) {
    return this.call(`Remove ${name}`, apiCalls.classRemoveStudent(id));
  }

  clear() {
    return this.call('Clear the names', apiCalls.classClearStudents());
  }

  /** Opens a lesson step's prediction to the class. */
  ask(predict: Prediction, lesson: string, step: number) {
    return this.call(
      'Ask the class',
      apiCalls.classVote({
        question: predict.question,
        choices: predict.choices.map((c) => c.text),
        lesson,
        step,
      }),
    );
  }

  /** Closes the vote with what the lab did, for the projector to show beside the votes. */
  outcome(fits: number[], observed: string) {
    return this.call(
      'Show the outcome',
      apiCalls.classVoteClose({ fits, observed: observed.slice(0, 200) }),
    );
  }

  endVote() {
    return this.call('End the vote', apiCalls.classVoteEnd());
  }
}
