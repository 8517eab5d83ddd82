/**
 * The class's rules on one life of one lab server. A phone is an ordinary Socket.IO client on its
 * server's port; what makes it a student is the id and key it got from `POST /api/join`, which
 * it sends in its handshake. Here each server:
 * - refuses a phone that is not (or no longer) in the class, or that belongs on another server;
 * - tells the classroom when a student's phone connects and disconnects;
 * - signs a phone's chat and room messages with its nickname and server, so others' phones can
 *   say who sent each message and through which server, and nobody can send under another name;
 * - drops those messages while the teacher has paused the class chat, from phones and from any
 *   other machine (the room's laptops can connect without joining): the teacher's own machine
 *   (loopback: lab clients, the page's clients) keeps talking, so the demo can go on.
 */
import type { Server, Socket } from 'socket.io';
import type { Student } from './class-roster.ts';
import type { SignedMessage } from '../../trace/phone-protocol.ts';
import { isLoopbackAddress } from './join-limit.ts';

/** Longest chat text a phone's message carries: the page clients' and lessons' limit. */
export const TEXT_MAX = 200;

export interface GuardContext {
  verify(id: unknown, key: unknown): Student | undefined;
  chatPaused(): boolean;
  connected(student: Student, socket: Socket): void;
  /** `rooms`: the rooms it was in, which Socket.IO empties before `disconnect`. */
  disconnected(student: Student, socket: Socket, rooms: string[]): void;
}

function refusal(message: string, reason: string): Error {
  return Object.assign(new Error(message), { data: { reason } });
}

function studentOf(socket: Socket): Student | undefined {
  return socket.data.student as Student | undefined;
}

export function guardServer(io: Server, serverId: string, ctx: GuardContext): void {
  io.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    if (auth.student === undefined) return next();
    const student = ctx.verify(auth.student, auth.key);
    if (!student)
      return next(
        refusal(
          'You are not in the class: the teacher removed you or cleared the list. Join again.',
          'removed',
        ),
      );
    if (student.server !== serverId)
      return next(refusal(`You belong on ${student.server} now, not ${serverId}.`, 'moved'));
    // The trace names a client by what it says (labClient): a phone says its nickname.
    if (auth.labClient !== student.name)
      return next(refusal('A phone connects under its own nickname.', 'name'));
    socket.data.student = student;
    next();
  });

  io.on('connection', (socket) => {
    const student = studentOf(socket);
    if (student) {
      ctx.connected(student, socket);
      let rooms: string[] = [];
      socket.on('disconnecting', () => (rooms = [...socket.rooms].filter((r) => r !== socket.id)));
      socket.on('disconnect', () => ctx.disconnected(student, socket, rooms));
    }
    const fromRoom = student !== undefined || !isLoopbackAddress(socket.handshake.address);
    socket.use((packet, next) => {
      const [event] = packet as unknown[];
      if (event !== 'chat message' && event !== 'room message') return next();
      if (fromRoom && ctx.chatPaused()) {
        socket.emit('lab error', { event, error: 'The teacher paused the class chat.' });
        return;
      }
      if (student) {
        const at = event === 'chat message' ? 1 : 2;
        const raw = packet[at];
        const text = (typeof raw === 'string' ? raw : String(raw ?? '')).slice(0, TEXT_MAX);
        const signed: SignedMessage = { name: student.name, text, server: serverId };
        packet[at] = signed;
      }
      next();
    });
  });
}
