/**
 * The trace model's public API: the page, the lessons, the server tests and the bench import
 * from here. Everything is pure: no I/O, no timers, no framework.
 */
export * from './events.ts';
export * from './state.ts';
export { reduce, reduceAll } from './reducer.ts';
export { Timeline, CHECKPOINT_EVERY, MAX_EVENTS, type TimelineOptions } from './timeline.ts';
export {
  reconcile,
  reconcileAll,
  reconcileFlow,
  type ExclusionReason,
  type FlowReconciliation,
  type LossReason,
  type RecipientOutcome,
} from './reconcile.ts';
export { hopsOf, type Hop, type HopKind } from './flow-hops.ts';
export { audienceOf } from './rosters.ts';
export {
  parseTrace,
  serializeTrace,
  TRACE_FORMAT,
  TraceFileError,
  type TraceFile,
} from './trace-file.ts';
export { classifyChannel, broadcastTarget, type ChannelInfo } from './channels.ts';
// A simulated lab, for tests and for a page that animates without servers.
export { LabScript, type Draft } from './lab-script.ts';
export { seededRandom } from './seeded-random.ts';
export { broadcast, fetchSockets, serverSideEmit } from './lab-traffic.ts';
export { randomLab, toEnvelopes, type RandomLab, type TrueOutcome } from './random-lab.ts';
