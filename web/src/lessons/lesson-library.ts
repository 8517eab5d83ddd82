/**
 * The lessons the page offers: every lessons/NN-*.md, bundled as text by Vite and parsed with
 * the same code the headless test uses. A broken file is listed with its `file:line` message
 * instead of breaking the page.
 */
import { LessonFormatError, parseLesson } from '../../../trace/lesson/lesson-format.ts';
import type { Lesson } from '../../../trace/lesson/lesson-types.ts';

export interface LessonLibrary {
  lessons: Lesson[];
  errors: string[];
}

/** Parses `path -> text` (paths as Vite gives them); files not named NN-*.md are not lessons. */
export function buildLibrary(files: Record<string, string>): LessonLibrary {
  const lessons: Lesson[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const path of Object.keys(files).sort()) {
    const name = path.split('/').pop() ?? path;
    if (!/^\d.*\.md$/.test(name)) continue;
    try {
      const lesson = parseLesson(`lessons/${name}`, files[path]);
      if (seen.has(lesson.id))
        throw new LessonFormatError(lesson.file, 2, `id "${lesson.id}" is used twice`);
      seen.add(lesson.id);
      lessons.push(lesson);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { lessons, errors };
}

export function loadLibrary(): LessonLibrary {
  const files = import.meta.glob('../../../lessons/*.md', {
    query: '?raw',
    import: 'default',
    eager: true,
  }) as Record<string, string>;
  return buildLibrary(files);
}
