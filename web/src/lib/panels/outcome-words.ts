/**
 * Who was not a recipient of a broadcast, and why, in the inspector's words. With no adapter
 * the other servers' clients were not left out by the broadcast: their server never heard of it.
 */
import type { FlowReconciliation, RecipientOutcome } from '../../../../trace/reconcile.ts';
import type { LabState } from '../../../../trace/state.ts';
import { listed } from '../narration/beat-narration.ts';

function names(list: readonly RecipientOutcome[]): string {
  return listed(
    list.map((r) => r.client),
    12,
  );
}

/** One line per reason a client was not a recipient. */
export function excludedLines(state: LabState, outcome: FlowReconciliation): string[] {
  const by = (reason: RecipientOutcome['reason']) =>
    outcome.excluded.filter((r) => r.reason === reason);
  const lines: string[] = [];
  const home = by('local-only');
  if (home.length) {
    const origin = outcome.origin ?? 'its server';
    const servers = listed([...new Set(home.map((r) => r.server))]);
    lines.push(
      state.servers[origin]?.adapter === 'none'
        ? `No adapter: ${origin} has no way to reach the clients of ${servers} (${names(home)}); the servers share nothing.`
        : `Kept on ${origin} (io.local), so not for ${names(home)} on ${servers}.`,
    );
  }
  const rooms = by('not-in-room');
  if (rooms.length)
    lines.push(`Not in ${listed(outcome.rooms)}, so not a recipient: ${names(rooms)}.`);
  const except = by('excepted');
  if (except.length) lines.push(`Left out by except: ${names(except)}.`);
  return lines;
}
