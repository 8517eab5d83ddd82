/**
 * The recording as a file: export downloads it as a JSON trace (trace/trace-file.ts), open reads
 * one back for the static viewer, refusing a file that is not one with a sentence that says why.
 */
import { parseTrace, serializeTrace, type TraceFile } from '../../../trace/trace-file.ts';
import type { Player } from './player.svelte.ts';

export function downloadTrace(player: Player): void {
  const blob = new Blob(
    [serializeTrace({ ...player.exportParts(), exportedAt: new Date().toISOString() })],
    { type: 'application/json' },
  );
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `fanout-lab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

/** The trace in `f`, or the sentence that says why it is not one. */
export async function readTrace(f: File): Promise<TraceFile | string> {
  try {
    return parseTrace(await f.text());
  } catch (err) {
    return `${f.name}: ${(err as Error).message}`;
  }
}
