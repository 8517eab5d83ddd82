/**
 * Chaos scenario (f): damaged trace files for the static viewer's parser (parseTrace) and damaged
 * lesson files for the lesson loader (parseLesson). Each damaged file must either still be a
 * file the lab can use (the damage was harmless, e.g. one string for another) or be refused with
 * the parser's own error and a sentence; anything else thrown is a broken promise. Pure: the
 * caller reads the lesson files.
 */
import { randomLab } from '../trace/sim/random-lab.ts';
import { reconcileAll } from '../trace/reconcile.ts';
import { reduceAll } from '../trace/reducer.ts';
import { emptyState } from '../trace/state.ts';
import { Timeline } from '../trace/timeline.ts';
import { seededRandom } from '../trace/sim/seeded-random.ts';
import { parseTrace, serializeTrace, TraceFileError } from '../trace/trace-file.ts';
import { LessonFormatError, parseLesson } from '../trace/lesson/lesson-format.ts';

export interface FuzzTally {
  files: number;
  /** Still valid after the damage. */
  accepted: number;
  /** Refused with the parser's own error. */
  refused: number;
  /** Anything else: each one a broken promise, with what was done to the file. */
  thrown: string[];
  /** A few refusals, to show in the report what users read. */
  samples: string[];
}

type Rnd = () => number;
const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

/** Values of every JSON type and some that the lab never writes. */
const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(5000),
  true,
  [],
  [1, 'a', null],
  {},
  { kind: 'deliver' },
  '__proto__',
];

/** One random change to an event or a snapshot's part; answers what it did. */
function damageObject(rnd: Rnd, target: Record<string, unknown>): string {
  const keys = Object.keys(target);
  const key = keys.length > 0 && rnd() < 0.85 ? pick(rnd, keys) : 'extra';
  const roll = rnd();
  if (roll < 0.2) {
    delete target[key];
    return `deleted "${key}"`;
  }
  const value = pick(rnd, ODD_VALUES);
  target[key] = value;
  return `set "${key}" to ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** A damaged trace file's text, and what was done to it. */
export function damagedTrace(
  rnd: Rnd,
  base: { events: unknown[]; snapshot?: unknown },
): [string, string] {
  const file = JSON.parse(
    serializeTrace({
      events: base.events as never,
      exportedAt: '2026-12-02T01:00:00.000Z',
      snapshot: base.snapshot as never,
    }),
  ) as Record<string, unknown>;
  const events = file.events as Record<string, unknown>[];
  const roll = rnd();
  if (roll < 0.55 && events.length > 0) {
    const i = Math.floor(rnd() * events.length);
    const what = damageObject(rnd, events[i]);
    return [JSON.stringify(file), `event ${i + 1} (${String(events[i].kind)}): ${what}`];
  }
  if (roll < 0.7 && file.snapshot) {
    const snapshot = file.snapshot as Record<string, unknown>;
    const part = pick(rnd, Object.keys(snapshot));
    const inner = snapshot[part];
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && rnd() < 0.6) {
      const entries = Object.values(inner as Record<string, unknown>).filter(
        (v): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v),
      );
      if (entries.length > 0)
        return [
          JSON.stringify(file),
          `snapshot.${part} entry: ${damageObject(rnd, pick(rnd, entries))}`,
        ];
    }
    return [JSON.stringify(file), `snapshot: ${damageObject(rnd, snapshot)}`];
  }
  if (roll < 0.8) return [JSON.stringify(file), `top level: ${damageObject(rnd, file)}`];
  const text = JSON.stringify(file);
  if (roll < 0.9) {
    const at = Math.floor(rnd() * text.length);
    return [text.slice(0, at), `cut at ${at} of ${text.length} characters`];
  }
  const chars = text.split('');
  for (let n = 0; n < 3; n++)
    chars[Math.floor(rnd() * chars.length)] = pick(rnd, ['"', '{', ']', '0', ',', 'x']);
  return [chars.join(''), 'three characters replaced'];
}

/** A damaged lesson file's text, and what was done to it. */
export function damagedLesson(rnd: Rnd, source: string): [string, string] {
  const lines = source.split('\n');
  const i = Math.floor(rnd() * lines.length);
  const roll = rnd();
  if (roll < 0.2) {
    lines.splice(i, 1);
    return [lines.join('\n'), `line ${i + 1} deleted`];
  }
  if (roll < 0.35) {
    lines.splice(i, 0, lines[Math.floor(rnd() * lines.length)]);
    return [lines.join('\n'), `a line repeated at ${i + 1}`];
  }
  if (roll < 0.5) {
    lines[i] = (rnd() < 0.5 ? '  ' : '') + lines[i].trimStart();
    return [lines.join('\n'), `line ${i + 1} re-indented`];
  }
  if (roll < 0.7) {
    const junk = pick(rnd, [
      '- [',
      ': :',
      '{a: 1',
      '"',
      '  - do: 7',
      'setup: []',
      '***',
      '\t',
      '```',
    ]);
    lines.splice(i, 0, junk);
    return [lines.join('\n'), `"${junk}" inserted at line ${i + 1}`];
  }
  if (roll < 0.85) {
    // A value swapped for another kind of value: where a lesson's schema is most particular.
    lines[i] = lines[i].replace(
      /:\s*(.+)$/,
      () => `: ${pick(rnd, ['-3', '[]', '{}', 'null', 'yes', '"x"', '99999'])}`,
    );
    return [lines.join('\n'), `line ${i + 1}'s value replaced`];
  }
  const at = Math.floor(rnd() * source.length);
  return [source.slice(0, at), `cut at ${at} of ${source.length} characters`];
}

function tally(): FuzzTally {
  return { files: 0, accepted: 0, refused: 0, thrown: [], samples: [] };
}

function judge(t: FuzzTally, what: string, read: () => void, ours: (err: unknown) => boolean) {
  t.files += 1;
  try {
    read();
    t.accepted += 1;
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    // A clear error: the parser's own, with a sentence in it.
    if (ours(err) && /(\w+\W+){3}/.test(message)) {
      t.refused += 1;
      if (t.samples.length < 4) t.samples.push(message.slice(0, 200));
    } else t.thrown.push(`${what}: ${(err as Error)?.name ?? 'throw'}: ${message.slice(0, 200)}`);
  }
}

/** What the static viewer does with a file: parse it, then replay and reconcile what it holds. */
function viewerOpens(text: string): void {
  const file = parseTrace(text);
  const state = Timeline.fromSnapshot(file.snapshot ?? emptyState(), file.events).current;
  reconcileAll(state);
}

/** `count` damaged trace files, from recordings of simulated labs (with and without a snapshot). */
export function fuzzTraceFiles(seed: number, count: number): FuzzTally {
  const rnd = seededRandom(seed);
  const t = tally();
  const { script } = randomLab(seed, 80);
  const events = script.events;
  const half = Math.floor(events.length / 2);
  const bases = [
    { events },
    { events: events.slice(half), snapshot: reduceAll(events.slice(0, half)) },
  ];
  for (let n = 0; n < count; n++) {
    const [text, what] = damagedTrace(rnd, pick(rnd, bases));
    judge(
      t,
      `trace file #${n + 1}, ${what}`,
      () => viewerOpens(text),
      (e) => e instanceof TraceFileError,
    );
  }
  return t;
}

/** `count` damaged lesson files, from the lab's own lessons (file name -> source). */
export function fuzzLessonFiles(
  seed: number,
  count: number,
  lessons: Record<string, string>,
): FuzzTally {
  const rnd = seededRandom(seed + 1);
  const t = tally();
  const files = Object.keys(lessons).sort();
  for (let n = 0; n < count; n++) {
    const file = pick(rnd, files);
    const [text, what] = damagedLesson(rnd, lessons[file]);
    judge(
      t,
      `${file} #${n + 1}, ${what}`,
      () => parseLesson(file, text),
      (e) => e instanceof LessonFormatError,
    );
  }
  return t;
}
