/**
 * Sends monitor batches to the viewers of one Socket.IO namespace (a server's /monitor, or the
 * hub's /lab). A viewer that reads too slowly loses detail, never counters: while its socket's
 * write buffer is over the limit it gets only counters, modes and server changes.
 *
 * The monitor's own PUBLISHes are not instrumented (it would report on itself forever). A viewer
 * that connects with `?plumbing=1` gets one extra event per batch instead, marked `plumbing`,
 * describing the PUBLISH that carried that batch over the monitor channel.
 */
import type { Namespace, Socket } from 'socket.io';
import type { Envelope, LabEvent } from '../../trace/events.ts';

const ESSENTIAL = new Set<LabEvent['kind']>([
  'counters',
  'monitor.mode',
  'server.up',
  'server.down',
  'lab.notice',
]);
/** Packets waiting in a viewer's engine.io buffer before it counts as slow. */
export const SLOW_VIEWER_BUFFER = 64;

export interface ViewerOptions {
  plumbing: boolean;
  slow: boolean;
}

/** The PUBLISH that carried a batch, as a plumbing event. */
export function plumbingEvent(envelope: Envelope, channel: string, json?: string): LabEvent {
  const last = envelope.events[envelope.events.length - 1];
  return {
    kind: 'publish',
    plumbing: true,
    command: 'PUBLISH',
    channel,
    bytes: Buffer.byteLength(json ?? JSON.stringify(envelope)),
    // Batches are published right after their last event; seq 0 never clashes with real ones.
    seq: 0,
    pubId: 0,
    t: last?.t ?? Date.now(),
    server: envelope.from,
    step: 8,
  };
}

/** What one viewer should get of an envelope, or null for nothing. */
export function envelopeFor(
  envelope: Envelope,
  opts: ViewerOptions,
  channel?: string,
  json?: string,
): Envelope | null {
  let events = envelope.events;
  if (opts.slow) events = events.filter((e) => ESSENTIAL.has(e.kind));
  else if (opts.plumbing && channel) events = [...events, plumbingEvent(envelope, channel, json)];
  if (events.length === 0) return null;
  if (events === envelope.events) return envelope;
  return { ...envelope, events, sampled: envelope.sampled || opts.slow || undefined };
}

function bufferedPackets(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}

/** Socket.IO protocol v5: an EVENT packet is its type, then the namespace and a comma unless it is '/', then the JSON array of the event name and its arguments. */
const EVENT_PACKET = 2;

/** `nsp.emit(event, <the value of json>)` as the packet text Socket.IO would write for it. */
export function encodedEvent(nsp: string, event: string, json: string): string {
  return `${EVENT_PACKET}${nsp === '/' ? '' : `${nsp},`}[${JSON.stringify(event)},${json}]`;
}

/**
 * Sends a batch to every viewer of `nsp`. `json`, when given, is the batch's own JSON (the text
 * that crossed Redis): viewers who get the batch as it is are sent one packet built from it,
 * so a classroom of viewers costs one encoding, not one per viewer. Viewers who get a changed
 * batch (slow, or asking for plumbing) get it through `emit`.
 */
export function sendToViewers(
  nsp: Namespace,
  envelope: Envelope,
  channel?: string,
  json?: string,
): void {
  let packet: string | undefined;
  for (const socket of nsp.sockets.values()) {
    const out = envelopeFor(
      envelope,
      {
        plumbing: socket.handshake.query.plumbing === '1',
        slow: bufferedPackets(socket) > SLOW_VIEWER_BUFFER,
      },
      channel,
      json,
    );
    if (!out) continue;
    if (out !== envelope || json === undefined) {
      socket.emit('trace', out);
    } else if (socket.conn.readyState === 'open') {
      packet ??= encodedEvent(nsp.name, 'trace', json);
      socket.conn.write(packet);
    }
  }
}
