/**
 * A lesson's prediction opened to the class: one anonymous vote per phone. The hub keeps who has
 * voted (so nobody votes twice) apart from the counts, and lists only the counts.
 */
import type { ClassVoteInfo } from '../../trace/lab-info.ts';

export class ClassVote {
  private readonly counts: number[];
  private readonly voted = new Set<string>();
  private outcome: ClassVoteInfo['outcome'];
  open = true;

  constructor(
    readonly id: number,
    readonly question: string,
    readonly choices: string[],
    readonly lesson?: { id: string; step: number },
  ) {
    this.counts = choices.map(() => 0);
  }

  hasVoted(student: string): boolean {
    return this.voted.has(student);
  }

  /** Counts one vote; the sentence to show when it is refused. */
  cast(student: string, choice: unknown): string | null {
    if (!this.open) return 'Voting is closed: the teacher ran the step.';
    if (this.voted.has(student)) return 'You have voted already: one vote per phone.';
    if (typeof choice !== 'number' || !Number.isInteger(choice) || !(choice in this.counts))
      return 'That is not one of the choices.';
    this.voted.add(student);
    this.counts[choice] += 1;
    return null;
  }

  /** Voting ends; with what the lab really did, when the teacher ran the step. */
  close(outcome?: ClassVoteInfo['outcome']): void {
    this.open = false;
    if (outcome) this.outcome = outcome;
  }

  info(): ClassVoteInfo {
    return {
      id: this.id,
      question: this.question,
      choices: [...this.choices],
      counts: [...this.counts],
      voters: this.counts.reduce((a, b) => a + b, 0),
      open: this.open,
      lesson: this.lesson,
      outcome: this.outcome,
    };
  }
}
