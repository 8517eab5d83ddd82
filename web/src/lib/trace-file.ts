/**
 * Exported recordings: what "Export" writes and "Open trace" reads back in the static viewer.
 * trace/ is to get a trace-file.ts of its own; this is the page's until then. Reading is strict:
 * a file that is malformed, or from a newer lab, is refused with a sentence that says why.
 */
import { TRACE_VERSION, type LabEvent } from '../../../trace/events.ts';
import type { LabInfo } from '../../../trace/lab-info.ts';
import type { LabState } from '../../../trace/state.ts';

export const TRACE_FORMAT = 'fanout-lab-trace';

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  v: number;
  exportedAt: string;
  /** The lab as the page last saw it, for the viewer's header. */
  lab?: LabInfo | null;
  /** The state before the first event, when older events were folded away by the cap. */
  base?: LabState;
  events: LabEvent[];
}

export function makeTraceFile(
  events: LabEvent[],
  opts: { lab?: LabInfo | null; base?: LabState; now?: Date } = {},
): TraceFile {
  return {
    format: TRACE_FORMAT,
    v: TRACE_VERSION,
    exportedAt: (opts.now ?? new Date()).toISOString(),
    lab: opts.lab ?? null,
    ...(opts.base ? { base: opts.base } : {}),
    events,
  };
}

export class TraceFileError extends Error {}

function checkEvent(e: unknown, i: number): void {
  const where = `event ${i + 1}`;
  if (!e || typeof e !== 'object') throw new TraceFileError(`${where} is not an object.`);
  const o = e as Record<string, unknown>;
  if (typeof o.kind !== 'string') throw new TraceFileError(`${where} has no "kind".`);
  if (typeof o.seq !== 'number' || typeof o.t !== 'number')
    throw new TraceFileError(`${where} (${o.kind}) has no numeric "seq" and "t".`);
  if (typeof o.server !== 'string')
    throw new TraceFileError(`${where} (${o.kind}) has no "server".`);
  if (typeof o.step !== 'number' || o.step < 1 || o.step > 10)
    throw new TraceFileError(`${where} (${o.kind}) has no "step" from 1 to 10.`);
}

/** Parses a trace file's text; throws TraceFileError with a message fit to show as is. */
export function readTraceFile(text: string): TraceFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TraceFileError('This file is not JSON, so it is not a Fanout Lab trace.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new TraceFileError('This file is not a Fanout Lab trace: it holds no trace object.');
  const f = value as Partial<TraceFile>;
  if (f.format !== TRACE_FORMAT)
    throw new TraceFileError(
      `This file is not a Fanout Lab trace: its "format" is ${JSON.stringify(f.format ?? null)}, not "${TRACE_FORMAT}".`,
    );
  if (typeof f.v !== 'number')
    throw new TraceFileError('This trace has no version "v", so it cannot be read safely.');
  if (f.v > TRACE_VERSION)
    throw new TraceFileError(
      `This trace is version ${f.v}, newer than this page understands (${TRACE_VERSION}). Open it with a newer Fanout Lab.`,
    );
  if (!Array.isArray(f.events)) throw new TraceFileError('This trace has no "events" list.');
  f.events.forEach(checkEvent);
  if (f.base !== undefined && (typeof f.base !== 'object' || !f.base || !('servers' in f.base)))
    throw new TraceFileError('This trace has a "base" state that is not a lab state.');
  return f as TraceFile;
}
