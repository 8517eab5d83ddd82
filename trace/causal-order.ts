/**
 * A message's causal order: the one definition the narration's hop list (flow-hops.ts), the
 * page's stepping, its class pace and its flow clock all follow.
 *
 * Arrival order is not causal order (each server reports in its own batches), and wall clocks
 * differ between machines, so a hop's place comes from what must happen first: the client's emit,
 * the PUBLISH, the origin's local delivery, Redis's answer, each server's receipt, remote
 * deliveries, then (for requests) the response's PUBLISH, its answer and its receipts, and last
 * the clients' receipts. Hops of one rank keep their arrival order.
 */
import { classifyChannel } from './channels.ts';
import type { EventKind } from './events.ts';

/** The event kinds that are hops of a message (the rest of a flow's events move nothing of it). */
export const HOP_KINDS = [
  'client.emit',
  'publish',
  'publish.result',
  'receive',
  'deliver',
  'client.receive',
] as const satisfies readonly EventKind[];
export type HopKind = (typeof HOP_KINDS)[number];

/** The ranks, in order; `other` is anything that is not a hop of a message. */
export const RANK = {
  emit: 0,
  publish: 1,
  localDeliver: 2,
  publishResult: 3,
  receive: 4,
  remoteDeliver: 5,
  responsePublish: 6,
  responseResult: 7,
  responseReceive: 8,
  clientReceive: 9,
  other: 10,
} as const;

/** What the rank reads of a hop: an event, or a hop of the trace model. */
export interface RankedHop {
  kind: EventKind;
  channel?: string;
  server?: string;
  origin?: 'local' | 'remote';
}

/** Responses come back after the requests they answer. */
export const isResponse = (channel: string | undefined): boolean =>
  channel !== undefined && classifyChannel(channel).kind === 'response';

/**
 * A hop's rank in its message. `flowOrigin`, when known, places a local delivery on another
 * server than the origin (io.local in a request handler) after the receipts that caused it.
 */
export function causalRank(hop: RankedHop, flowOrigin?: string): number {
  const response = isResponse(hop.channel);
  switch (hop.kind) {
    case 'client.emit':
      return RANK.emit;
    case 'publish':
      return response ? RANK.responsePublish : RANK.publish;
    case 'deliver': {
      const early =
        hop.origin === 'local' && (flowOrigin === undefined || hop.server === flowOrigin);
      return early ? RANK.localDeliver : RANK.remoteDeliver;
    }
    case 'publish.result':
      return response ? RANK.responseResult : RANK.publishResult;
    case 'receive':
      return response ? RANK.responseReceive : RANK.receive;
    case 'client.receive':
      return RANK.clientReceive;
    default:
      return RANK.other;
  }
}

/** Sorts hops into causal order; Array.prototype.sort is stable, so ties keep arrival order. */
export function inCausalOrder<H extends RankedHop>(hops: readonly H[], flowOrigin?: string): H[] {
  return hops
    .map((hop) => [causalRank(hop, flowOrigin), hop] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, hop]) => hop);
}
