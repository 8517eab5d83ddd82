/**
 * The lesson file format (lessons/README.md): YAML front matter, an optional intro, then one
 * `## heading` per step, each with narration and at most one fenced ```lesson YAML block.
 * Parsing is pure and reports `file:line: what is wrong` for anything it cannot accept.
 */
import type { Lesson, LessonStep } from './lesson-types.ts';
import { LessonFormatError, YamlBlock } from './lesson-yaml.ts';
import {
  readActions,
  readCheck,
  readCondition,
  readHighlight,
  readPredict,
  readSetup,
  readTask,
  type LessonScope,
} from './lesson-schema.ts';

export { LessonFormatError } from './lesson-yaml.ts';

const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
const FRONT_KEYS = ['id', 'title', 'summary', 'teaches', 'level', 'minutes', 'setup'];
const STEP_KEYS = ['do', 'task', 'predict', 'waitFor', 'check', 'hint', 'highlight'];
const LESSON_ID = /^[A-Za-z0-9_-]{1,32}$/;

interface RawStep {
  title: string;
  line: number;
  narration: string[];
  block?: { text: string; line: number };
}

/** Splits the body into steps, minding code fences so a `## ` inside one is not a heading. */
function splitSteps(file: string, lines: string[], firstLine: number) {
  const intro: string[] = [];
  const steps: RawStep[] = [];
  type Fence = { marker: string; lesson: boolean; start: number; body: string[] };
  let fence = null as Fence | null;
  for (const [i, text] of lines.entries()) {
    const line = firstLine + i;
    const current = steps[steps.length - 1];
    const narration = current ? current.narration : intro;
    if (fence) {
      const closes = text.trim().startsWith(fence.marker) && /^[`~]+$/.test(text.trim());
      if (closes && fence.lesson)
        current.block = { text: fence.body.join('\n'), line: fence.start + 1 };
      else if (fence.lesson) fence.body.push(text);
      else narration.push(text);
      if (closes) fence = null;
      continue;
    }
    const open = /^\s*(```+|~~~+)\s*(\S*)/.exec(text);
    if (open) {
      const lesson = open[2] === 'lesson';
      if (lesson && !current)
        throw new LessonFormatError(
          file,
          line,
          'a ```lesson block must be inside a step (after a "## " heading)',
        );
      if (lesson && current.block)
        throw new LessonFormatError(
          file,
          line,
          `step "${current.title}" has a second \`\`\`lesson block; one per step`,
        );
      fence = { marker: open[1], lesson, start: line, body: [] };
      if (!lesson) narration.push(text);
      continue;
    }
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(text);
    if (heading && !text.startsWith('###')) {
      steps.push({ title: heading[1].replace(/^Step:\s*/i, ''), line, narration: [] });
      continue;
    }
    narration.push(text);
  }
  if (fence) throw new LessonFormatError(file, fence.start, 'this code fence is never closed');
  return { intro: intro.join('\n').trim(), steps };
}

function readStep(file: string, raw: RawStep, scope: LessonScope): LessonStep {
  const narration = raw.narration.join('\n').trim();
  const step: LessonStep = {
    title: raw.title,
    narration,
    do: [],
    highlight: [],
    check: [],
    line: raw.line,
  };
  if (!raw.block) {
    if (!narration)
      throw new LessonFormatError(
        file,
        raw.line,
        `step "${raw.title}" has no narration and no \`\`\`lesson block`,
      );
    return step;
  }
  const y = new YamlBlock(file, raw.block.text, raw.block.line);
  if (y.root === null || y.root === undefined) return step;
  const m = y.map(y.root, `step "${raw.title}"`, STEP_KEYS);
  if (m.has('do')) step.do = readActions(y, m.get('do'), scope);
  if (m.has('task')) step.task = readTask(y, m.get('task'), scope);
  if (m.has('predict')) step.predict = readPredict(y, m.get('predict'), scope);
  if (m.has('waitFor')) step.waitFor = readCondition(y, m.get('waitFor'), scope);
  if (m.has('check')) step.check = readCheck(y, m.get('check'), scope);
  if (m.has('hint')) step.hint = y.string(m.get('hint'), 'hint');
  if (m.has('highlight')) step.highlight = readHighlight(y, m.get('highlight'));
  if (step.predict && !step.waitFor && !step.task)
    y.fail(m.get('predict'), 'a prediction needs a waitFor (or a task) that says when to check it');
  if (step.predict && step.do.length === 0 && !step.task)
    y.fail(
      m.get('predict'),
      'a prediction needs a "do" or a task: something must happen to check it against',
    );
  if (step.check.length > 0 && step.do.length === 0 && !step.task)
    y.fail(m.get('check'), 'a check needs a "do" or a task: something must happen to check');
  return step;
}

/** Parses one lesson file; throws LessonFormatError (`file:line: problem`) when it is invalid. */
export function parseLesson(file: string, source: string): Lesson {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (lines[0]?.trim() !== '---')
    throw new LessonFormatError(
      file,
      1,
      'a lesson starts with YAML front matter between "---" lines',
    );
  const end = lines.indexOf('---', 1);
  if (end < 0) throw new LessonFormatError(file, 1, 'the front matter is never closed with "---"');
  const y = new YamlBlock(file, lines.slice(1, end).join('\n'), 2);
  const fm = y.map(y.root, 'the front matter', FRONT_KEYS);
  const need = (k: string) => y.required(fm, k, 'the front matter', y.root);
  const id = y.string(need('id'), 'id');
  if (!LESSON_ID.test(id)) y.fail(fm.get('id'), 'id must be 1-32 letters, digits, _ or -');
  const title = y.string(need('title'), 'title');
  const summary = y.string(need('summary'), 'summary');
  const teaches = y.string(need('teaches'), 'teaches');
  const level = y.choice(need('level'), 'level', LEVELS);
  const minutes = y.int(need('minutes'), 'minutes', 1, 120);
  const setup = readSetup(y, need('setup'));

  const { intro, steps: raws } = splitSteps(file, lines.slice(end + 1), end + 2);
  if (raws.length === 0)
    throw new LessonFormatError(file, end + 2, 'a lesson needs at least one step: a "## " heading');
  const scope: LessonScope = { servers: setup.servers, clients: setup.clients.length };
  const steps = raws.map((raw) => readStep(file, raw, scope));
  const n = /(?:^|\/)(\d+)-[^/]*$/.exec(file)?.[1];
  const number = n === undefined ? undefined : Number(n);
  return { id, title, summary, teaches, number, level, minutes, setup, intro, steps, file };
}

/** Parses every lesson and checks ids are unique; the list comes back in file-name order. */
export function parseLessons(files: Record<string, string>): Lesson[] {
  const lessons = Object.keys(files)
    .sort()
    .map((file) => parseLesson(file, files[file]));
  const seen = new Map<string, string>();
  for (const l of lessons) {
    const other = seen.get(l.id);
    if (other) throw new LessonFormatError(l.file, 2, `id "${l.id}" is already used by ${other}`);
    seen.set(l.id, l.file);
  }
  return lessons;
}
