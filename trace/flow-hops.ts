/**
 * A flow's hops in causal order (causal-order.ts), for the page's step-by-step animation and its
 * narration: one sentence each.
 */
import { inCausalOrder, isResponse, type HopKind } from './causal-order.ts';
import type { Decision, TenStep } from './events.ts';
import { plural } from './plural.ts';
import { decisionClause, publisherClause } from './decision-words.ts';
import type { Flow } from './state.ts';

export type { HopKind } from './causal-order.ts';

export interface Hop {
  step: TenStep;
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

export function hopsOf(flow: Flow): Hop[] {
  const hops: Hop[] = [];
  const add = (hop: Hop) => hops.push(hop);
  const e = flow.emit;
  if (e) {
    const who = e.client ?? e.socketId;
    add({
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
    const late = isResponse(p.channel);
    const verb = p.command === 'SPUBLISH' ? 'SPUBLISHes' : 'publishes';
    add({
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
    add({
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
    const text = `${decisionClause(r)}${publisherClause(flow)}`;
    add({
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
    // A local delivery elsewhere than the origin (io.local in a request handler) is part of
    // handling what Redis brought: step 9, like the remote ones.
    const early = local && (flow.origin === undefined || d.server === flow.origin);
    const text = `${d.server} writes "${d.event}" to ${plural(d.count, local ? 'local socket' : 'socket')}`;
    add({
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
    add({
      step: 10,
      kind: 'client.receive',
      server: c.server,
      client: c.client,
      socketId: c.socketId,
      t: c.t,
      text: `${c.client} gets "${c.event}" from ${c.server}`,
    });
  }
  return inCausalOrder(hops, flow.origin);
}
