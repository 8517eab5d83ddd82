/**
 * The hops of one message in causal order (trace/ is to get flows.ts for this; until then the
 * page orders them itself): the client's frame, the PUBLISH, the origin's local delivery,
 * Redis's answer, each server's receipt and delivery, then the clients. Events from different
 * servers arrive interleaved; the order of the walkthrough puts them back in line.
 */
import type { LabEvent } from '../../../trace/events.ts';

const RANK: Partial<Record<LabEvent['kind'], number>> = {
  'client.emit': 0,
  publish: 1,
  'publish.result': 3,
  receive: 4,
  'client.receive': 6,
};

export function hopRank(e: LabEvent): number {
  if (e.kind === 'deliver') return e.origin === 'local' ? 2 : 5;
  return RANK[e.kind] ?? 7;
}

/** The flow's events, in causal order; stable for events of the same rank. */
export function flowHops(events: readonly LabEvent[], flow: string): LabEvent[] {
  return events
    .filter((e) => e.flow === flow)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => hopRank(a.e) - hopRank(b.e) || a.e.t - b.e.t || a.i - b.i)
    .map(({ e }) => e);
}
