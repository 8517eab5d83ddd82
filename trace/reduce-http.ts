/**
 * Reducers for the HTTP steps (1a and 1b): how many requests each server answered, how many it
 * refused (a `400 Session ID unknown` behind a round-robin balancer, most often) and how many
 * sessions moved to WebSocket on it. Each mutates the state it is given (see reducer.ts).
 */
import type { HttpRequest, TransportUpgrade } from './events.ts';
import type { HttpTotals, LabState } from './state.ts';

function totalsOf(state: LabState, server: string): HttpTotals {
  // Snapshots from before the HTTP steps have no `http`.
  state.http ??= {};
  return (state.http[server] ??= { requests: 0, refused: 0, upgrades: 0 });
}

export function onHttpRequest(state: LabState, e: HttpRequest): void {
  const totals = totalsOf(state, e.server);
  totals.requests += 1;
  if (e.status >= 400) totals.refused += 1;
}

export function onTransportUpgrade(state: LabState, e: TransportUpgrade): void {
  totalsOf(state, e.server).upgrades += 1;
}
