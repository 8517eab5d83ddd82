/**
 * A flow's hops in causal order, for the page's step-by-step animation and its narration.
 *
 * Arrival order is not causal order (each server reports in its own batches), and wall clocks
 * differ between machines, so hops are ordered by what must come first: the client's emit, the
 * publish, local delivery, Redis's answer, each server's receipt, remote deliveries, responses
 * (for requests), and last the clients' receipts. Within one phase, arrival order is kept.
 */
import { classifyChannel } from './channels.ts';
import type { Decision, Step } from './events.ts';
import type { Flow } from './state.ts';

export type HopKind =
  'client.emit' | 'publish' | 'publish.result' | 'receive' | 'deliver' | 'client.receive';

export interface Hop {
  step: Step;
  kind: HopKind;
  server?: string;
  channel?: string;
  decision?: Decision;
  /** Sockets reached: a receipt's or a delivery's count. */
  sockets?: number;
  /** PUBLISH's reply: subscribed connections that got it. */
  receivers?: number;
  bytes?: number;
  client?: string;
  socketId?: string;
  origin?: 'local' | 'remote';
  error?: string;
  t: number;
  /** One sentence for the narration. */
  text: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const DECISION_TEXT: Record<Decision, (server: string, sockets?: number) => string> = {
  // A request or response has no sockets count: the server handles it.
  delivered: (s, n) =>
    n === undefined
      ? `${s} receives it and handles it`
      : `${s} receives it and hands it to ${plural(n, 'local socket')}`,
  'own-message': (s) => `${s} receives its own message and skips it (same uid)`,
  'unknown-room': (s) => `${s} has no member in that room and drops it unread`,
  'other-namespace': (s) => `${s} drops it: another namespace's packet`,
  'not-for-me': (s) => `${s} drops a response to a request it did not make`,
  ignored: (s) => `${s} ignores it`,
};

/** Responses come back after the requests they answer. */
const isResponse = (channel: string) => classifyChannel(channel).kind === 'response';

export function hopsOf(flow: Flow): Hop[] {
  const ranked: [number, Hop][] = [];
  const add = (rank: number, hop: Hop) => ranked.push([rank, hop]);
  const e = flow.emit;
  if (e) {
    const who = e.client ?? e.socketId;
    add(0, {
      step: 8,
      kind: 'client.emit',
      server: e.server,
      client: e.client,
      socketId: e.socketId,
      bytes: e.bytes,
      t: e.t,
      text: `${who} sends "${e.event}" to ${e.server}`,
    });
  }
  for (const p of flow.publishes) {
    const late = isResponse(p.channel) ? 5 : 0;
    const verb = p.command === 'SPUBLISH' ? 'SPUBLISHes' : 'publishes';
    add(1 + late, {
      // A response is part of a server's handling of what Redis brought it.
      step: late ? 9 : 8,
      kind: 'publish',
      server: p.server,
      channel: p.channel,
      bytes: p.bytes,
      t: p.t,
      text: `${p.server} ${verb} ${plural(p.bytes, 'byte')} on ${p.channel}`,
    });
    if (p.receivers === undefined && p.error === undefined) continue;
    const text = p.error
      ? `Redis refuses ${p.server}'s ${p.command}: ${p.error}`
      : `Redis hands it to ${plural(p.receivers ?? 0, 'subscribed connection')}`;
    add(3 + late, {
      step: 9,
      kind: 'publish.result',
      server: p.server,
      channel: p.channel,
      receivers: p.receivers,
      error: p.error,
      t: p.t + (p.ms ?? 0),
      text,
    });
  }
  for (const r of flow.receipts) {
    const text = DECISION_TEXT[r.decision](r.server, r.sockets);
    add(isResponse(r.channel) ? 8 : 4, {
      step: 9,
      kind: 'receive',
      server: r.server,
      channel: r.channel,
      decision: r.decision,
      sockets: r.sockets,
      bytes: r.bytes,
      t: r.t,
      text,
    });
  }
  for (const d of flow.deliveries) {
    const local = d.origin === 'local';
    // A local delivery elsewhere than the origin (io.local in a request handler) follows the receipts.
    const early = local && (flow.origin === undefined || d.server === flow.origin);
    const text = `${d.server} writes "${d.event}" to ${plural(d.count, local ? 'local socket' : 'socket')}`;
    add(early ? 2 : 5, {
      step: early ? 8 : 9,
      kind: 'deliver',
      server: d.server,
      origin: d.origin,
      sockets: d.count,
      t: d.t,
      text,
    });
  }

  for (const c of flow.clientReceipts) {
    add(9, {
      step: 10,
      kind: 'client.receive',
      server: c.server,
      client: c.client,
      socketId: c.socketId,
      t: c.t,
      text: `${c.client} gets "${c.event}" from ${c.server}`,
    });
  }
  // Array.prototype.sort is stable: hops of one phase keep their arrival order.
  return ranked.sort((a, b) => a[0] - b[0]).map(([, hop]) => hop);
}
