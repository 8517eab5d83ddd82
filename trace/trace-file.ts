/**
 * Exported recordings: a JSON file a teacher can save, share and load again to replay a class.
 *
 *   { "format": "fanout-lab-trace", "v": 1, "exportedAt": "2026-11-28T08:00:00.000Z",
 *     "snapshot"?: LabState, "events": LabEvent[] }
 *
 * `snapshot` is the state before the first event, when the recording does not start with the
 * lab (the hub's ring had already let older events go). Parsing refuses anything it cannot
 * replay faithfully, with a message that says what is wrong and what to do.
 */
import { HTTP_STEPS, TRACE_VERSION, type LabEvent } from './events.ts';
import { eventProblem as knownEventProblem, isKnownKind } from './event-shape.ts';
import { reconcileAll } from './reconcile.ts';
import { reduceAll } from './reducer.ts';
import { emptyState, type LabState } from './state.ts';

export const TRACE_FORMAT = 'fanout-lab-trace';

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  v: number;
  /** ISO 8601. */
  exportedAt: string;
  snapshot?: LabState;
  events: LabEvent[];
}

export class TraceFileError extends Error {
  override name = 'TraceFileError';
}

/** `exportedAt` is the caller's: this module reads no clock. */
export function serializeTrace(input: {
  events: readonly LabEvent[];
  exportedAt: string;
  snapshot?: LabState;
}): string {
  const file: TraceFile = {
    format: TRACE_FORMAT,
    v: TRACE_VERSION,
    exportedAt: input.exportedAt,
    ...(input.snapshot ? { snapshot: input.snapshot } : {}),
    events: [...input.events],
  };
  return JSON.stringify(file);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const NOT_OURS = 'Choose a file saved with "Export trace" in Fanout Lab.';

function eventProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'is not an object';
  for (const [field, type] of [
    ['kind', 'string'],
    ['server', 'string'],
    ['seq', 'number'],
    ['t', 'number'],
  ] as const) {
    if (typeof e[field] !== type) return `has no ${type} "${field}"`;
  }
  const step = e.step;
  const ten = typeof step === 'number' && Number.isInteger(step) && step >= 1 && step <= 10;
  if (!ten && !(HTTP_STEPS as unknown[]).includes(step))
    return `has step ${JSON.stringify(step)}, not 1 to 10, 1a or 1b`;
  // A kind this version knows is replayed field by field, so its fields must have their types
  // (a damaged file once passed here and threw later, in the middle of the replay). Kinds it does
  // not know are skipped by the reducer and need only the common fields above.
  if (isKnownKind(e.kind)) {
    const problem = knownEventProblem(e);
    if (problem) return `is not one the lab writes (${problem})`;
  }
  return undefined;
}

/** What is wrong with a snapshot (a file's, or the hub's hello), or undefined when it is a LabState. */
export function snapshotProblem(s: unknown): string | undefined {
  if (!isObject(s)) return 'is not an object';
  for (const field of [
    'servers',
    'redis',
    'sockets',
    'clients',
    'flows',
    'rosters',
    'counters',
    'mode',
  ]) {
    if (!isObject(s[field])) return `has no "${field}" object`;
  }
  for (const field of ['flowOrder', 'goneSockets']) {
    if (!Array.isArray(s[field])) return `has no "${field}" list`;
  }
  return undefined;
}

/** Parses and checks a trace file; throws a TraceFileError that says what is wrong and what to do. */
export function parseTrace(text: string): TraceFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TraceFileError(`This file is not JSON (${(err as Error).message}). ${NOT_OURS}`);
  }
  if (!isObject(value) || value.format !== TRACE_FORMAT) {
    throw new TraceFileError(
      `This is not a Fanout Lab trace (no "format": "${TRACE_FORMAT}"). ${NOT_OURS}`,
    );
  }
  const v = value.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new TraceFileError(`This trace has no valid version "v". ${NOT_OURS}`);
  }
  if (v > TRACE_VERSION) {
    throw new TraceFileError(
      `This trace was saved by a newer Fanout Lab (trace version ${v}; this one reads up to ${TRACE_VERSION}). Update Fanout Lab to open it.`,
    );
  }
  if (typeof value.exportedAt !== 'string') {
    throw new TraceFileError(`This trace has no "exportedAt" date. ${NOT_OURS}`);
  }
  if (!Array.isArray(value.events)) {
    throw new TraceFileError(`This trace has no "events" list. ${NOT_OURS}`);
  }
  value.events.forEach((e, i) => {
    const problem = eventProblem(e);
    if (problem) {
      throw new TraceFileError(
        `Event ${i + 1} of this trace ${problem}: the file is damaged. Export it again from the lab.`,
      );
    }
  });
  if (value.snapshot !== undefined) {
    const problem = snapshotProblem(value.snapshot);
    if (problem) {
      throw new TraceFileError(
        `The snapshot in this trace ${problem}: the file is damaged. Export it again from the lab.`,
      );
    }
  }
  const file = value as unknown as TraceFile;
  replayProblem(file);
  return file;
}

/**
 * Replays and reconciles the file once, as the viewer will: what the checks above cannot see
 * (fields that fit their types but not each other, a snapshot with damaged insides) shows up
 * here as a TraceFileError instead of a throw in the middle of the viewer's replay.
 */
function replayProblem(file: TraceFile): void {
  try {
    const from = file.snapshot ? structuredClone(file.snapshot) : emptyState();
    reconcileAll(reduceAll(file.events, from));
  } catch (err) {
    throw new TraceFileError(
      `This trace cannot be replayed (${(err as Error).message}): the file is damaged. Export it again from the lab.`,
    );
  }
}
