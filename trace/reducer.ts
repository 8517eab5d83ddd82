/**
 * The reducer: monitor events in, LabState out. One handler per kind, in a table, so a new kind
 * is one line here and one function beside its neighbours.
 *
 * `reduce` mutates the state it is given and returns it: a live page reduces thousands of events
 * a second and cannot afford a copy per event. Callers that keep an older state fork it first:
 * the timeline's checkpoints with `forkState` (state.ts), which shares the flows, copied on write.
 */
import type { Counters, EventKind, LabEvent, MonitorMode } from './events.ts';
import {
  onClientEmit,
  onClientReceive,
  onDeliver,
  onPublish,
  onPublishResult,
  onReceive,
} from './reduce-flows.ts';
import {
  addTotals,
  onAdapterAttach,
  onLabNotice,
  onRedisCommand,
  onRedisConnect,
  onRedisDisconnect,
  onServerDown,
  onServerLink,
  onServerUp,
} from './reduce-servers.ts';
import { onClusterNodes } from './cluster-bus.ts';
import { onRedisPubsub } from './redis-report.ts';
import { onHttpRequest, onTransportUpgrade } from './reduce-http.ts';
import { correctLateRosters, noteRosterChange } from './rosters.ts';
import { onClientConnect, onClientDisconnect, onRoomChange } from './reduce-sockets.ts';
import { emptyState, emptyTotals, type LabState } from './state.ts';

type Handlers = {
  [K in EventKind]: (state: LabState, event: Extract<LabEvent, { kind: K }>) => void;
};

function onCounters(state: LabState, e: Counters): void {
  // Counters events are authoritative running totals: take them as they are, never add them up.
  state.counters.servers[e.server] = {
    publishes: e.publishes,
    receipts: { ...e.receipts },
    deliveries: e.deliveries,
    skipped: e.skipped,
  };
  let lab = emptyTotals();
  for (const totals of Object.values(state.counters.servers)) lab = addTotals(lab, totals);
  for (const totals of Object.values(state.counters.earlier)) lab = addTotals(lab, totals);
  state.counters.lab = lab;
}

function onMonitorMode(state: LabState, e: MonitorMode): void {
  state.mode[e.server] = e.mode;
}

const HANDLERS: Handlers = {
  'server.up': onServerUp,
  'server.down': onServerDown,
  'server.link': onServerLink,
  'redis.connect': onRedisConnect,
  'redis.disconnect': onRedisDisconnect,
  'redis.command': onRedisCommand,
  'adapter.attach': onAdapterAttach,
  'http.request': onHttpRequest,
  'transport.upgrade': onTransportUpgrade,
  // A transport opening changes nothing the state holds; the event is still a hop to animate.
  'client.transport': () => {},
  'client.connect': onClientConnect,
  'client.disconnect': onClientDisconnect,
  'room.join': onRoomChange,
  'room.leave': onRoomChange,
  'client.emit': onClientEmit,
  publish: onPublish,
  'publish.result': onPublishResult,
  receive: onReceive,
  deliver: onDeliver,
  // What a restored session was sent comes as deliver events, marked recovered.
  'session.recover': () => {},
  'client.receive': onClientReceive,
  'monitor.mode': onMonitorMode,
  counters: onCounters,
  'cluster.nodes': onClusterNodes,
  'redis.pubsub': onRedisPubsub,
  'lab.notice': onLabNotice,
  // The Redis console and the plain app live beside the lab's servers: no state of theirs here.
  console: () => {},
  'plain.app': () => {},
};

/** Applies one event to `state` in place and returns it. Kinds this version does not know are counted and otherwise ignored. */
export function reduce(state: LabState, event: LabEvent): LabState {
  const handler = HANDLERS[event.kind] as ((s: LabState, e: LabEvent) => void) | undefined;
  handler?.(state, event);
  correctLateRosters(state, event);
  noteRosterChange(state, event.kind);
  state.step = event.step;
  state.lastEvent = event;
  state.events += 1;
  return state;
}

/** Reduces events in arrival order, into `from` (mutated) or a fresh empty state. */
export function reduceAll(events: readonly LabEvent[], from: LabState = emptyState()): LabState {
  for (const event of events) reduce(from, event);
  return from;
}
