/**
 * The events a lab server understands. `chat message` is the original demo's, unchanged:
 * whatever a client sends is broadcast with `io.emit` to every client on every server,
 * the sender included. The others exercise the rest of the adapter. README "Events" lists
 * them with their payloads.
 */
import type { Server, Socket } from 'socket.io';
import { FloodLimits } from './rate-limit.ts';

type Ack = (reply: unknown) => void;

const ROOM_NAME = /^[\w:.-]{1,64}$/;

function ackOf(args: unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}

/** Replies through the ack if there is one, else as a `lab error` event. */
function refuse(socket: Socket, event: string, error: string, ack?: Ack): void {
  if (ack) ack({ error });
  else socket.emit('lab error', { event, error });
}

function checkRoom(socket: Socket, event: string, room: unknown, ack?: Ack): room is string {
  if (typeof room === 'string' && ROOM_NAME.test(room)) return true;
  refuse(socket, event, 'room must be 1-64 letters, digits, _ : . or -', ack);
  return false;
}

/** `limits`: the server's flood limits, shared with its other namespaces (rate-limit.ts). */
export function attachChatEvents(
  io: Server,
  serverId: string,
  limits: FloodLimits = new FloodLimits(),
): void {
  // serverSideEmit from another server arrives here; its clients then hear about it.
  io.on('server ping', (data: unknown) => {
    io.local.emit('server ping', { ...(data as object), to: serverId });
  });

  io.on('connection', (socket) => {
    socket.data.server = serverId;
    limits.limit(socket);

    socket.on('chat message', (msg: unknown) => {
      io.emit('chat message', msg);
    });

    socket.on('join', (room: unknown, ...rest: unknown[]) => {
      const ack = ackOf(rest);
      if (!checkRoom(socket, 'join', room, ack)) return;
      void socket.join(room);
      ack?.({ room, rooms: [...socket.rooms].filter((r) => r !== socket.id) });
    });

    socket.on('leave', (room: unknown, ...rest: unknown[]) => {
      const ack = ackOf(rest);
      if (!checkRoom(socket, 'leave', room, ack)) return;
      void socket.leave(room);
      ack?.({ room, rooms: [...socket.rooms].filter((r) => r !== socket.id) });
    });

    // One room, or a list of up to 5: a broadcast to exactly one room gets the room's channel.
    socket.on('room message', (room: unknown, msg: unknown) => {
      const list = Array.isArray(room) && room.length > 0 && room.length <= 5 ? room : [room];
      if (!list.every((r) => checkRoom(socket, 'room message', r))) return;
      io.to(list as string[]).emit('room message', room, msg);
    });

    // io.socketsJoin: every socket on every server joins, through a request on Redis that even
    // this server applies only when Redis hands it back.
    socket.on('everyone join', (room: unknown, ...rest: unknown[]) => {
      const ack = ackOf(rest);
      if (!checkRoom(socket, 'everyone join', room, ack)) return;
      io.socketsJoin(room);
      ack?.({ room });
    });

    socket.on('server ping', (text: unknown, ...rest: unknown[]) => {
      io.serverSideEmit('server ping', {
        from: serverId,
        text: typeof text === 'string' ? text : '',
      });
      ackOf(rest)?.({ sent: true });
    });

    socket.on('count sockets', async (...args: unknown[]) => {
      const ack = ackOf(args);
      try {
        const sockets = await io.fetchSockets();
        const byServer: Record<string, number> = {};
        for (const s of sockets) {
          const server = String(s.data?.server ?? '?');
          byServer[server] = (byServer[server] ?? 0) + 1;
        }
        ack?.({ count: sockets.length, byServer });
      } catch (err) {
        refuse(socket, 'count sockets', (err as Error).message, ack);
      }
    });

    socket.on('ack broadcast', (msg: unknown, ...rest: unknown[]) => {
      const ack = ackOf(rest);
      io.timeout(5000).emit('ack request', msg, (err: Error | null, responses: unknown[]) => {
        ack?.({ responses: responses?.length ?? 0, error: err ? err.message : undefined });
      });
    });

    socket.on('whoami', (...args: unknown[]) => {
      ackOf(args)?.({ server: serverId, socketId: socket.id });
    });
  });
}
