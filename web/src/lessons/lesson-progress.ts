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
