/**
 * Sends monitor batches to the viewers of one Socket.IO namespace (a server's /monitor, or the
 * hub's /lab). A viewer that reads too slowly loses detail, never counters: while its socket's
 * write buffer is over the limit it gets only counters and mode changes.
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

function isPlumbing(e: LabEvent): boolean {
  return e.kind === 'publish' && e.plumbing === true;
}

/** What one viewer should get of an envelope, or null for nothing. */
export function envelopeFor(
  envelope: Envelope,
  opts: { plumbing: boolean; slow: boolean },
): Envelope | null {
  let events = envelope.events;
  if (!opts.plumbing && events.some(isPlumbing)) events = events.filter((e) => !isPlumbing(e));
  if (opts.slow) events = events.filter((e) => ESSENTIAL.has(e.kind));
  if (events.length === 0) return null;
  if (events === envelope.events) return envelope;
  return { ...envelope, events, sampled: envelope.sampled || opts.slow || undefined };
}

function bufferedPackets(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}

export function sendToViewers(nsp: Namespace, envelope: Envelope, event = 'trace'): void {
  for (const socket of nsp.sockets.values()) {
    const out = envelopeFor(envelope, {
      plumbing: socket.handshake.query.plumbing === '1',
      slow: bufferedPackets(socket) > SLOW_VIEWER_BUFFER,
    });
    if (out) socket.emit(event, out);
  }
}
