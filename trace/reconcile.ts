/**
 * Reconciliation: for one flow, who should have got the broadcast, who did, and why the others
 * did not. It judges against the audience recorded when the flow was first seen (Flow.atEmit and its roster),
 * because the lab may look very different by the time someone asks.
 */
import { audienceOf } from './rosters.ts';
import type { AudienceMember, Flow, LabState } from './state.ts';

/** Why an expected client got nothing. */
export type LossReason = 'server-down' | 'redis-down' | 'cut-off' | 'unknown';
/** Why a known client was not a recipient at all. */
export type ExclusionReason = 'not-in-room' | 'excepted' | 'local-only';

export interface RecipientOutcome {
  client: string;
  /** The client's server at emit time. */
  server: string;
  /** Delivered: how we know (the client's own report, or else the server's deliver list). */
  via?: 'client.receive' | 'deliver';
  /** Delivered: how many times it arrived (more than once is a duplicate). */
  times?: number;
  /**
   * Delivered late, by what the streams adapter keeps where pub/sub would have lost it:
   * `session` (the client came back and was sent what it missed) or `catch-up` (its server was
   * cut off from Redis and read the stream from its last entry when it was back).
   */
  recovered?: 'session' | 'catch-up';
  reason?: LossReason | ExclusionReason;
  /** One sentence for narration. */
  detail?: string;
}

export interface FlowReconciliation {
  flow: string;
  kind: Flow['kind'];
  origin?: string;
  /** Published by no server of this lab: from outside, or by another lab sharing the Redis. */
  foreign?: Flow['foreign'];
  otherLab?: string;
  event?: string;
  rooms: string[];
  except: string[];
  /** Client ids the broadcast targeted at emit time, sorted. Empty for request flows. */
  expected: string[];
  delivered: RecipientOutcome[];
  lost: RecipientOutcome[];
  excluded: RecipientOutcome[];
  /** Clients that got it without being expected, e.g. they connected after the emit. */
  unexpected: RecipientOutcome[];
}

function exclusion(flow: Flow, m: AudienceMember): [ExclusionReason, string] | undefined {
  const inAny = (list: string[]) =>
    (m.socketId !== undefined && list.includes(m.socketId)) ||
    m.rooms.some((r) => list.includes(r));
  const published = flow.publishes.some((p) => p.traffic === 'broadcast');
  if (flow.localOnly.length > 0 && !published && !flow.localOnly.includes(m.server)) {
    const servers = flow.localOnly.join(', ');
    return ['local-only', `${servers} sent it to its own sockets only (io.local, or no adapter)`];
  }
  if (inAny(flow.except)) return ['excepted', 'the broadcast excluded it (except)'];
  if (flow.rooms.length > 0 && !inAny(flow.rooms)) {
    return ['not-in-room', `it was not in ${flow.rooms.join(', ')}`];
  }
  return undefined;
}

/** How a delivered client got it late rather than never, if it did (see RecipientOutcome.recovered). */
function recoveryOf(
  state: LabState,
  flow: Flow,
  m: AudienceMember,
): Pick<RecipientOutcome, 'recovered' | 'detail'> {
  if (m.socketId && flow.deliveries.some((d) => d.recovered && d.sockets.includes(m.socketId!)))
    return {
      recovered: 'session',
      detail: `recovered: it came back to ${state.sockets[m.socketId]?.server ?? m.server} within maxDisconnectionDuration and was sent it from the stream`,
    };
  // Only what was cut at emit time: a cut after a delivery changes nothing of it.
  if (m.server === flow.origin || !flow.publishes.some((p) => p.command === 'XADD')) return {};
  if (m.serverLink)
    return {
      recovered: 'catch-up',
      detail: `recovered: ${m.server} was cut off from Redis, and read it from the stream from its last entry id when it was back`,
    };
  if (flow.atEmit.originLink)
    return {
      recovered: 'catch-up',
      detail: `recovered: ${flow.origin} was cut off from Redis; its XADD waited, and the stream took it when it was back`,
    };
  return {};
}

function lossOf(state: LabState, flow: Flow, id: string, m: AudienceMember): [LossReason, string] {
  const at = flow.atEmit;
  // Remote servers only hear of a broadcast through Redis; the origin delivers locally anyway.
  const remote = m.server !== flow.origin;
  // What was already broken at emit time decides first; what broke afterwards comes second.
  if (!m.serverUp) return ['server-down', `its server ${m.server} was down at emit time`];
  if (!m.connected) return ['server-down', `it was disconnected from ${m.server} at emit time`];
  if (remote && at.redis === 'down') return ['redis-down', 'Redis was down at emit time'];
  // A cut network explains what follows from it (a pub connection down, a failed PUBLISH).
  // A slow origin still publishes: only its own subscriber is behind.
  if (remote && at.originLink && at.originLink !== 'slow')
    return ['cut-off', `${flow.origin} was cut off from Redis`];
  if (remote && m.serverLink === 'slow') {
    const now = state.servers[m.server];
    if (now?.link === 'slow')
      return ['cut-off', `${m.server}'s subscriber is slow: it has not read it yet`];
    if (now?.slowEnd === 'redis')
      return ['cut-off', `${m.server}'s subscriber fell behind and Redis cut it off`];
  } else if (remote && m.serverLink) return ['cut-off', `${m.server} was cut off from Redis`];
  if (remote && at.pubDown) return ['redis-down', `${flow.origin}'s pub connection was down`];
  // Down at emit time and back by now (Redis restarted, the sub connection reconnecting): the
  // state now would say nothing of it.
  if (remote && m.subDown)
    return ['redis-down', `${m.server}'s sub connection to Redis was down at emit time`];
  const failed = flow.publishes.find((p) => p.error);
  if (remote && failed) return ['redis-down', `PUBLISH failed: ${failed.error}`];
  if ((state.servers[m.server]?.downs ?? 0) > m.serverDowns) {
    return ['server-down', `its server ${m.server} went down before delivering it`];
  }
  if ((state.clients[id]?.disconnects ?? 0) > m.disconnects) {
    return ['server-down', `it lost its connection to ${m.server} before receiving it`];
  }
  if (remote && (state.servers[m.server]?.linkCuts ?? 0) > (m.serverLinkCuts ?? 0)) {
    return ['cut-off', `${m.server} was cut off from Redis before it got it`];
  }
  // The sub connection dropped after the roster was taken (its server tells it in its own batch,
  // which may come after the origin's events): what it had not read yet is lost with it.
  if (remote && (state.servers[m.server]?.subDowns ?? 0) > (m.serverSubDowns ?? 0)) {
    if (state.servers[m.server]?.slowEnd === 'redis')
      return ['cut-off', `${m.server}'s subscriber fell behind and Redis cut it off`];
    return ['redis-down', `${m.server}'s sub connection to Redis dropped before it got it`];
  }
  // The hub tells a cut in its own batch, which may arrive after the origin's first events of a
  // flow whose PUBLISH the cut had already stopped: the count grew, and no subscriber got it.
  const reached = flow.publishes.some((p) => (p.receivers ?? 0) > 0);
  if (
    remote &&
    !reached &&
    flow.origin &&
    (state.servers[flow.origin]?.linkCuts ?? 0) > (at.originLinkCuts ?? 0)
  ) {
    return ['cut-off', `${flow.origin} was cut off from Redis before its broadcast got through`];
  }
  if (remote && state.redis.downs > at.redisDowns) {
    return ['redis-down', 'Redis went down before fanning it out'];
  }
  if (remote && state.servers[m.server]?.connections.sub?.state === 'down') {
    return ['redis-down', `${m.server}'s sub connection to Redis is down`];
  }
  return ['unknown', 'no receipt was reported (yet)'];
}

/** How each client was reached: client reports first, else the servers' deliver lists. */
function receiptsOf(flow: Flow): { reports: Record<string, number>; delivered: Set<string> } {
  const reports = flow.receivedBy;
  const delivered = new Set(flow.deliveries.flatMap((d) => d.sockets));
  return { reports, delivered };
}

export function reconcileFlow(state: LabState, flow: Flow): FlowReconciliation {
  const result: FlowReconciliation = {
    flow: flow.id,
    kind: flow.kind,
    origin: flow.origin,
    ...(flow.foreign ? { foreign: flow.foreign, otherLab: flow.otherLab } : {}),
    event: flow.event,
    rooms: flow.rooms,
    except: flow.except,
    expected: [],
    delivered: [],
    lost: [],
    excluded: [],
    unexpected: [],
  };
  const { reports, delivered } = receiptsOf(flow);
  const audience = flow.kind === 'broadcast' ? audienceOf(state, flow) : {};
  for (const id of Object.keys(audience).sort()) {
    const m = audience[id];
    const excluded = exclusion(flow, m);
    if (excluded) {
      result.excluded.push({
        client: id,
        server: m.server,
        reason: excluded[0],
        detail: excluded[1],
      });
      continue;
    }
    result.expected.push(id);
    if (reports[id]) {
      result.delivered.push({
        client: id,
        server: m.server,
        via: 'client.receive',
        times: reports[id],
        ...recoveryOf(state, flow, m),
      });
    } else if (m.socketId && delivered.has(m.socketId)) {
      result.delivered.push({
        client: id,
        server: m.server,
        via: 'deliver',
        times: 1,
        ...recoveryOf(state, flow, m),
      });
    } else {
      const [reason, detail] = lossOf(state, flow, id, m);
      result.lost.push({ client: id, server: m.server, reason, detail });
    }
  }
  for (const [id, times] of Object.entries(reports)) {
    if (result.expected.includes(id)) continue;
    const server =
      flow.clientReceipts.find((r) => r.client === id)?.server ?? state.clients[id]?.server ?? '';
    result.unexpected.push({ client: id, server, via: 'client.receive', times });
  }
  return result;
}

/** Reconciles one flow of the state; undefined when the flow is unknown (or evicted). */
export function reconcile(state: LabState, flowId: string): FlowReconciliation | undefined {
  const flow = state.flows[flowId];
  return flow ? reconcileFlow(state, flow) : undefined;
}

/** Every broadcast flow the state holds, oldest first. */
export function reconcileAll(state: LabState): FlowReconciliation[] {
  return state.flowOrder
    .map((id) => state.flows[id])
    .filter((f): f is Flow => f?.kind === 'broadcast')
    .map((f) => reconcileFlow(state, f));
}
