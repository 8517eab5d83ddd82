/**
 * The short version of chaos scenario (f), in CI: damaged trace files and lesson files each get
 * a clear error from their parser, or parse; nothing else is thrown. CHAOS_SEED replays a run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzLessonFiles, fuzzTraceFiles } from './file-fuzz.ts';

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);

describe(`damaged files (seed ${SEED})`, () => {
  it('trace files: parseTrace refuses each with a TraceFileError, or reads one it can replay', () => {
    const t = fuzzTraceFiles(SEED, 150);
    expect(t.thrown).toEqual([]);
    expect(t.refused).toBeGreaterThan(40);
  });

  it('lesson files: parseLesson refuses each with file:line and a sentence, or reads it', () => {
    const dir = new URL('../lessons/', import.meta.url);
    const files = readdirSync(dir).filter((f) => /^\d.*\.md$/.test(f));
    const lessons = Object.fromEntries(
      files.map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]),
    );
    const t = fuzzLessonFiles(SEED, 150, lessons);
    expect(t.thrown).toEqual([]);
    expect(t.refused).toBeGreaterThan(20);
  });
});
