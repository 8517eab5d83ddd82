/**
 * One lesson runs at a time for the whole lab. The holder (a page, or the headless runner) owns
 * it until it lets go; every page shows who holds it. The other API calls stay open, so a teacher
 * can still step in.
 */
import type { LabInfo } from '../trace/lab-info.ts';
import { LabError } from './lab-error.ts';

export type HeldLesson = NonNullable<LabInfo['lesson']>;

export class LessonLock {
  current: HeldLesson | null = null;

  /** `onChange` hears every change, with a sentence for the class when a lesson starts or ends. */
  constructor(private readonly onChange: (notice?: string) => void) {}

  claim(lesson: HeldLesson): void {
    if (this.current && this.current.holder !== lesson.holder) {
      throw new LabError(
        409,
        `The lab is busy with the lesson "${this.current.title}"; wait for it to finish, or end it from the page that runs it.`,
      );
    }
    this.current = lesson;
    this.onChange(`Lesson started: ${lesson.title}`);
  }

  step(holder: string, step: number): void {
    if (this.current?.holder !== holder)
      throw new LabError(409, 'That lesson does not hold the lab; start it again.');
    this.current.step = step;
    this.onChange();
  }

  /** Lets go of the lab; a holder that is not the current one changes nothing. */
  release(holder: string): void {
    if (this.current?.holder !== holder) return;
    const title = this.current.title;
    this.current = null;
    this.onChange(`Lesson ended: ${title}`);
  }
}
