/**
 * The namespaces a lab server serves besides `/`: /game and /news (trace/lesson/lesson-schema.ts lists
 * them for lessons). They are dynamic namespaces (`io.of(regex)`): a server creates one, and the
 * adapter for it, only when the first client connects to it there. Each has its own adapter, its
 * own uid and its own channels (`socket.io#/game#`...), on the server's one pair of connections.
 */
import type { Server } from 'socket.io';
import type { FloodLimits } from './rate-limit.ts';

export const EXTRA_NAMESPACES = /^\/(game|news)$/;

/** `limits`: the server's flood limits, shared with `/` (rate-limit.ts). */
export function attachLabNamespaces(io: Server, serverId: string, limits: FloodLimits): void {
  io.of(EXTRA_NAMESPACES).on('connection', (socket) => {
    socket.data.server = serverId;
    limits.limit(socket);
    // The demo's one event, within the namespace: every client of it, on every server.
    socket.on('chat message', (msg: unknown) => {
      socket.nsp.emit('chat message', msg);
    });
  });
}
