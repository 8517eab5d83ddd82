/**
 * Clicking a line of the stage inspects the newest hop that travelled it: a server's pub line
 * (its PUBLISHes and Redis's answers), its sub line (what Redis handed it), or a client's
 * WebSocket (its frames, deliveries to it and its receipts).
 */
import type { LabEvent } from '../../../../trace/events.ts';
import type { LabState } from '../../../../trace/state.ts';
import { clientOf } from './hop-animation.ts';

export function travelled(e: LabEvent, edge: string, state: LabState): boolean {
  const [line, id] = edge.split(/:(.*)/s);
  switch (line) {
    case 'pub':
      return e.server === id && (e.kind === 'publish' || e.kind === 'publish.result');
    case 'sub':
      return e.server === id && e.kind === 'receive';
    case 'ws':
      if (e.kind === 'deliver') return e.sockets.some((s) => clientOf(state, s) === id || s === id);
      if (e.kind === 'client.emit' || e.kind === 'client.receive')
        return clientOf(state, e.socketId, e.client) === id || e.socketId === id;
      return false;
    default:
      return false;
  }
}

/** The index of the newest event at or before `upTo` that travelled `edge`. */
export function latestOnEdge(
  at: (i: number) => LabEvent | undefined,
  upTo: number,
  edge: string,
  state: LabState,
  lookBack = 5000,
): number | undefined {
  for (let i = upTo; i >= 0 && i > upTo - lookBack; i--) {
    const e = at(i);
    if (e && travelled(e, edge, state)) return i;
  }
  return undefined;
}
