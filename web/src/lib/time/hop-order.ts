/**
 * Stepping through the recording: the next or previous hop from a position, passing over what
 * moves nothing. Following one message, its hops come in causal order (emit, PUBLISH, local
 * delivery, Redis's answer, receipts...) whatever order they arrived in.
 */
import type { LabEvent } from '../../../../trace/events.ts';
import { causalRank } from '../../../../trace/causal-order.ts';
import { isHop } from '../stage/hop-animation.ts';

export interface Recording {
  readonly length: number;
  eventAt(i: number): LabEvent | undefined;
}

/** The followed message's events, in causal order. */
export function followOrder(rec: Recording, flow: string): number[] {
  const order: { i: number; rank: number }[] = [];
  for (let i = 0; i < rec.length; i++) {
    const e = rec.eventAt(i);
    if (e && e.flow === flow && isHop(e)) order.push({ i, rank: causalRank(e) });
  }
  return order.sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.i);
}

/** The index of the hop after (or before) `from`, or undefined at the end. */
export function nextHop(
  rec: Recording,
  from: number,
  dir: 1 | -1,
  follow: string | null,
): number | undefined {
  if (follow !== null) {
    const order = followOrder(rec, follow);
    const at = order.indexOf(from);
    return at === -1 ? (dir === 1 ? order[0] : undefined) : order[at + dir];
  }
  for (let i = from + dir; i >= 0 && i < rec.length; i += dir) {
    const e = rec.eventAt(i);
    if (e && isHop(e)) return i;
  }
  return undefined;
}

/** The index of `e` in the recording, looking back from the newest. */
export function indexOf(rec: Recording, e: LabEvent, lookBack = 20_000): number | undefined {
  for (let i = rec.length - 1; i >= 0 && i >= rec.length - lookBack; i--)
    if (rec.eventAt(i) === e) return i;
  return undefined;
}
