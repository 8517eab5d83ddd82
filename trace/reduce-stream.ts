/**
 * The streams adapter's stream, as the trace tells it: the entries XADD appended (the last few,
 * with their flows), how many were appended in all, the MAXLEN ~ bound, and each server's read
 * position (the id of the last entry its XREAD returned). The stage draws it as a log.
 */
import type { AdapterAttach, PublishResult, Receive } from './events.ts';
import type { LabState, StreamState } from './state.ts';

/** How many of the newest entries the state keeps for drawing. */
export const STREAM_ENTRIES_KEPT = 24;

function ensureStream(state: LabState, name: string, maxLen = 0): StreamState {
  state.redis.streams ??= {};
  let stream = state.redis.streams[name];
  if (!stream) {
    stream = state.redis.streams[name] = { name, maxLen, appended: 0, entries: [], readBy: {} };
  }
  if (maxLen) stream.maxLen = maxLen;
  return stream;
}

export function onStreamAttach(state: LabState, e: AdapterAttach): void {
  if (e.stream) ensureStream(state, e.stream.name, e.stream.maxLen);
}

/** An XADD Redis answered: the entry is in the stream. */
export function onStreamAppend(state: LabState, e: PublishResult, event?: string): void {
  if (!e.entryId) return;
  const stream = ensureStream(state, e.channel);
  stream.appended += 1;
  stream.entries.push({ id: e.entryId, server: e.server, flow: e.flow, event });
  if (stream.entries.length > STREAM_ENTRIES_KEPT) stream.entries.shift();
}

/** A server's XREAD returned an entry: its read position moves there. */
export function onStreamRead(state: LabState, e: Receive): void {
  if (e.via !== 'xread' || !e.entryId) return;
  const stream = ensureStream(state, e.channel);
  stream.readBy[e.server] = e.entryId;
}

/**
 * Whether MAXLEN ~ has trimmed the stream by now: it drops whole nodes of entries once the
 * stream is longer than maxLen, so once more were appended than maxLen, the oldest are gone.
 */
export function trimmed(stream: StreamState): boolean {
  return stream.maxLen > 0 && stream.appended > stream.maxLen;
}
