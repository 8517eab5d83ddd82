/**
 * Reducers for flows: every event that carries a `flow` id adds a hop to that flow. Each mutates
 * the state it is given (see reducer.ts).
 */
import { broadcastTarget, classifyChannel, trafficKind } from './channels.ts';
import type {
  ClientEmit,
  ClientReceive,
  Deliver,
  LabEvent,
  Publish,
  PublishResult,
  Receive,
} from './events.ts';
import { pruneRosters, releaseRoster, useRoster } from './rosters.ts';
import { addTo } from './reduce-sockets.ts';
import { onStreamAppend, onStreamRead } from './reduce-stream.ts';
import {
  CLIENT_RECEIPT_DETAIL,
  FLOW_CAP,
  FLOW_EVENT_SPAN,
  ownFlow,
  type Flow,
  type FlowPublish,
  type LabState,
} from './state.ts';

/** The oldest flow goes while there are too many, or it was first seen too many events ago. */
function tooOld(state: LabState, id: string): boolean {
  if (state.flowOrder.length > FLOW_CAP) return true;
  const first = state.flows[id]?.firstEvent;
  return first !== undefined && state.events - first > FLOW_EVENT_SPAN;
}

function ensureFlow(state: LabState, id: string, e: LabEvent): Flow {
  // A flow another state shares (a timeline checkpoint) is copied before it changes.
  const known = ownFlow(state, id);
  if (known) {
    known.firstT = Math.min(known.firstT, e.t);
    known.lastT = Math.max(known.lastT, e.t);
    return known;
  }
  const flow: Flow = {
    id,
    kind: 'unknown',
    publishes: [],
    receipts: [],
    deliveries: [],
    clientReceipts: [],
    receivedBy: {},
    localOnly: [],
    rooms: [],
    except: [],
    targetKnown: false,
    firstT: e.t,
    lastT: e.t,
    firstEvent: state.events,
    atEmit: {
      redis: state.redis.state,
      redisDowns: state.redis.downs,
      pubDown: false,
      roster: useRoster(state),
    },
  };
  state.flows[id] = flow;
  state.flowOrder.push(id);
  // Oldest flows go first: the state must stay small enough to clone at every checkpoint.
  while (state.flowOrder.length > 1 && tooOld(state, state.flowOrder[0])) evictOldestFlow(state);
  pruneRosters(state);
  return flow;
}

/** Lets the oldest flow go, and its hold on a roster. */
function evictOldestFlow(state: LabState): void {
  const old = state.flowOrder.shift() as string;
  const evicted = state.flows[old];
  delete state.flows[old];
  if (evicted) releaseRoster(state, evicted.atEmit.roster);
}

/** Keeps only the newest `keep` flows: for a state that needs the lab, not its messages. */
export function keepNewestFlows(state: LabState, keep: number): void {
  if (state.flowOrder.length <= keep) return;
  while (state.flowOrder.length > keep) evictOldestFlow(state);
  pruneRosters(state);
}

/** Lower is surer: the client's emit names the origin; a local deliver only hints at it. */
const ORIGIN_RANK: Record<NonNullable<Flow['originFrom']>, number> = {
  'client.emit': 0,
  publish: 1,
  receive: 2,
  deliver: 3,
};

/** Sources interleave, so a weaker hint can arrive first; a surer one replaces it. */
function setOrigin(
  state: LabState,
  flow: Flow,
  server: string,
  from: NonNullable<Flow['originFrom']>,
): void {
  if (flow.originFrom && ORIGIN_RANK[flow.originFrom] <= ORIGIN_RANK[from]) return;
  flow.origin = server;
  flow.originFrom = from;
  flow.atEmit.pubDown = state.servers[server]?.connections.pub?.state === 'down';
  flow.atEmit.originLink = state.servers[server]?.link;
  flow.atEmit.originLinkCuts = state.servers[server]?.linkCuts ?? 0;
}

/** Request traffic never downgrades a flow that has already shown it reaches sockets. */
function noteTraffic(flow: Flow, kind: FlowPublish['traffic']): void {
  if (kind === 'broadcast') flow.kind = 'broadcast';
  else if (kind !== 'other' && flow.kind === 'unknown') flow.kind = 'request';
}

export function onClientEmit(state: LabState, e: ClientEmit): void {
  if (!e.flow) return;
  const flow = ensureFlow(state, e.flow, e);
  flow.emit = {
    server: e.server,
    socketId: e.socketId,
    client: e.client,
    event: e.event,
    args: e.args,
    bytes: e.bytes,
    t: e.t,
  };
  flow.event ??= e.event;
  setOrigin(state, flow, e.server, 'client.emit');
}

export function onPublish(state: LabState, e: Publish): void {
  if (e.plumbing || !e.flow) return;
  const flow = ensureFlow(state, e.flow, e);
  const kind = trafficKind(e.channel, e.message);
  flow.publishes.push({
    pubId: e.pubId,
    server: e.server,
    command: e.command,
    channel: e.channel,
    traffic: kind,
    bytes: e.bytes,
    t: e.t,
    ...(e.node ? { node: e.node } : {}),
  });
  noteTraffic(flow, kind);
  // A response is published by a server that answers, not by the one that started the flow.
  if (kind !== 'response') setOrigin(state, flow, e.server, 'publish');
  if (kind !== 'broadcast') return;
  flow.event ??= e.message?.event;
  if (flow.targetKnown) return;
  const target = broadcastTarget(e.message);
  if (target) {
    Object.assign(flow, { rooms: target.rooms, except: target.except, targetKnown: true });
    if (target.local) addTo(flow.localOnly, e.server);
    return;
  }
  // Without a decoded message, a room channel still names the one room targeted.
  const room = classifyChannel(e.channel).room;
  if (room !== undefined && !e.message && flow.rooms.length === 0) flow.rooms = [room];
}

export function onPublishResult(state: LabState, e: PublishResult): void {
  onStreamAppend(state, e, e.flow ? state.flows[e.flow]?.event : undefined);
  const matches = (p: { pubId: number; server: string }) =>
    p.pubId === e.pubId && p.server === e.server;
  const found = e.flow
    ? state.flows[e.flow]
    : // Results without a flow still belong to a publish: find it among the newest flows first.
      [...state.flowOrder]
        .reverse()
        .map((id) => state.flows[id])
        .find((f) => f?.publishes.some(matches));
  const flow = found && ownFlow(state, found.id);
  const publish = flow ? [...flow.publishes].reverse().find(matches) : undefined;
  if (!flow || !publish) return;
  flow.lastT = Math.max(flow.lastT, e.t);
  publish.receivers = e.receivers;
  publish.error = e.error;
  publish.ms = e.ms;
}

/** A message no server of this lab published: the flow says whose it is. */
function noteForeign(flow: Flow, e: Receive | Deliver): void {
  if (!e.foreign || flow.foreign) return;
  flow.foreign = e.foreign;
  if (e.otherLab) flow.otherLab = e.otherLab;
}

export function onReceive(state: LabState, e: Receive): void {
  onStreamRead(state, e);
  if (!e.flow) return;
  const flow = ensureFlow(state, e.flow, e);
  flow.receipts.push({
    server: e.server,
    channel: e.channel,
    via: e.via,
    decision: e.decision,
    sockets: e.sockets,
    bytes: e.bytes,
    t: e.t,
    ...(e.reason !== undefined ? { reason: e.reason, fatal: e.fatal } : {}),
  });
  noteForeign(flow, e);
  if (e.decision === 'own-message') setOrigin(state, flow, e.server, 'receive');
  // Bytes the adapter could not read are no broadcast anyone was meant to get.
  if (e.decision === 'undecodable' || e.decision === 'malformed') return;
  noteTraffic(flow, trafficKind(e.channel, e.message));
  flow.event ??= e.message?.event;
}

export function onDeliver(state: LabState, e: Deliver): void {
  if (!e.flow) return;
  const flow = ensureFlow(state, e.flow, e);
  flow.deliveries.push({
    server: e.server,
    origin: e.origin,
    event: e.event,
    // The server sends at most 50; a foreign or older source might not.
    sockets: e.sockets.slice(0, 50),
    count: e.count,
    ...(e.kinds ? { kinds: { ...e.kinds } } : {}),
    t: e.t,
    ...(e.recovered ? { recovered: true } : {}),
  });
  flow.kind = 'broadcast';
  flow.event ??= e.event;
  noteForeign(flow, e);
  if (e.origin === 'local') setOrigin(state, flow, e.server, 'deliver');
  // The adapter publishes before it delivers locally, and one server reports in order: a local
  // deliver with no broadcast published by its server was never meant to leave that server.
  const published = flow.publishes.some((p) => p.server === e.server && p.traffic === 'broadcast');
  if (e.local || (e.origin === 'local' && !published)) addTo(flow.localOnly, e.server);
  if (!flow.targetKnown)
    Object.assign(flow, { rooms: [...e.rooms], except: [...e.except], targetKnown: true });
}

export function onClientReceive(state: LabState, e: ClientReceive): void {
  if (!e.flow) return;
  const flow = ensureFlow(state, e.flow, e);
  flow.receivedBy[e.client] = (flow.receivedBy[e.client] ?? 0) + 1;
  flow.event ??= e.event;
  if (flow.clientReceipts.length >= CLIENT_RECEIPT_DETAIL) return;
  flow.clientReceipts.push({
    client: e.client,
    socketId: e.socketId,
    server: e.server,
    event: e.event,
    t: e.t,
  });
}
