/**
 * Each lesson's progress, kept in localStorage so a learner can come back to it: the furthest
 * step reached, whether it was completed, and how the predictions went the last time through.
 */
const KEY = 'fanout-lab-lessons';

export interface LessonProgress {
  /** The furthest step reached (0-based). */
  step: number;
  done: boolean;
  right?: number;
  asked?: number;
}

type Store = Pick<Storage, 'getItem' | 'setItem'>;

function defaultStore(): Store | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // storage can be switched off; progress is then not kept
  }
}

export function readProgress(store: Store | null = defaultStore()): Record<string, LessonProgress> {
  try {
    const value: unknown = JSON.parse(store?.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' ? (value as Record<string, LessonProgress>) : {};
  } catch {
    return {};
  }
}

export function saveProgress(
  id: string,
  update: Partial<LessonProgress>,
  store: Store | null = defaultStore(),
): Record<string, LessonProgress> {
  const all = readProgress(store);
  const was = all[id] ?? { step: 0, done: false };
  all[id] = {
    ...was,
    ...update,
    step: Math.max(was.step, update.step ?? 0),
    done: was.done || !!update.done,
  };
  store?.setItem(KEY, JSON.stringify(all));
  return all;
}

/** The learner's way through the lessons, for the list's heading. */
export interface ProgressSummary {
  total: number;
  done: number;
  started: number;
  right: number;
  asked: number;
  /** The first lesson not done yet, in the list's order: where to go next. */
  next?: string;
}

export function summarizeProgress(
  ids: readonly string[],
  progress: Record<string, LessonProgress>,
): ProgressSummary {
  const mine = ids.map((id) => progress[id]).filter((p): p is LessonProgress => !!p);
  return {
    total: ids.length,
    done: mine.filter((p) => p.done).length,
    started: mine.filter((p) => !p.done).length,
    right: mine.reduce((n, p) => n + (p.right ?? 0), 0),
    asked: mine.reduce((n, p) => n + (p.asked ?? 0), 0),
    next: ids.find((id) => !progress[id]?.done),
  };
}
