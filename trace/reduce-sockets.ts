/**
 * Reducers for sockets, clients and rooms. Each mutates the state it is given (see reducer.ts).
 */
import type { ClientConnect, ClientDisconnect, RoomChange } from './events.ts';
import { GONE_SOCKET_CAP, type LabState, type ServerState, type SocketState } from './state.ts';

/** The source name the hub reports under; it is not a Socket.IO server. */
export const HUB = 'hub';

export function addTo<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}

export function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Servers appear lazily too: a page that starts from a snapshot or a trimmed ring may never see server.up. */
export function ensureServer(state: LabState, id: string): ServerState {
  let server = state.servers[id];
  if (!server) {
    server = {
      id,
      port: 0,
      state: 'up',
      adapter: 'unknown',
      sockets: [],
      rooms: {},
      connections: {},
      downs: 0,
    };
    // The hub's own connections (its monitor relay) are not a server's: they get a detached
    // record, so the hub never shows as a server, while its subscriptions still count in `redis`.
    if (id !== HUB) state.servers[id] = server;
  }
  return server;
}

/** Sockets can be seen first through a room.join made in the connection handler. */
function ensureSocket(state: LabState, id: string, server: string): SocketState {
  let socket = state.sockets[id];
  if (!socket) {
    socket = { id, server, rooms: [], transport: 'unknown', connected: true };
    state.sockets[id] = socket;
    addTo(ensureServer(state, server).sockets, id);
  }
  return socket;
}

export function onClientConnect(state: LabState, e: ClientConnect): void {
  const socket = ensureSocket(state, e.socketId, e.server);
  socket.transport = e.transport;
  socket.connected = true;
  socket.client = e.client ?? socket.client;
  if (e.clientKind) socket.kind = e.clientKind;
  removeFrom(state.goneSockets, e.socketId);
  addTo(ensureServer(state, e.server).sockets, e.socketId);
  if (!socket.client) return;
  const known = state.clients[socket.client];
  if (
    known?.socketId &&
    known.socketId !== e.socketId &&
    state.sockets[known.socketId]?.connected
  ) {
    disconnectSocket(state, known.socketId, e.seq);
  }
  state.clients[socket.client] = {
    id: socket.client,
    server: e.server,
    socketId: e.socketId,
    state: 'connected',
    rooms: [...socket.rooms],
    disconnects: known?.disconnects ?? 0,
  };
}

export function onClientDisconnect(state: LabState, e: ClientDisconnect): void {
  const socket = state.sockets[e.socketId];
  if (socket && !socket.client && e.client) socket.client = e.client;
  if (socket?.connected) return disconnectSocket(state, e.socketId, e.seq);
  const client = e.client ? state.clients[e.client] : undefined;
  if (!socket && client?.socketId === e.socketId && client.state === 'connected') {
    client.state = 'disconnected';
    client.disconnects += 1;
  }
}

/**
 * socket.io leaves every room while closing a socket, just before `disconnect`. Those leaves are
 * not the user's doing, so the client keeps the rooms it had (reconciliation needs them to say
 * 'server-down' rather than 'not-in-room'). They are told apart from a user's leave by position:
 * marked `closing` by the server, or else a run of leaves (by the server's seq) right before the
 * event that disconnects.
 */
export function disconnectSocket(state: LabState, socketId: string, seq: number): void {
  const socket = state.sockets[socketId];
  if (!socket) return;
  const closing = socket.leaving && (socket.leaving.marked || socket.leaving.seq === seq - 1);
  const rooms = closing ? [...socket.rooms, ...(socket.leaving?.rooms ?? [])] : [...socket.rooms];
  delete socket.leaving;
  socket.connected = false;
  const server = state.servers[socket.server];
  if (server) {
    removeFrom(server.sockets, socketId);
    for (const room of socket.rooms) leaveServerRoom(server, room, socketId);
  }
  const client = socket.client ? state.clients[socket.client] : undefined;
  if (client && client.socketId === socketId && client.state === 'connected') {
    client.state = 'disconnected';
    client.disconnects += 1;
    client.rooms = rooms;
  }
  addTo(state.goneSockets, socketId);
  while (state.goneSockets.length > GONE_SOCKET_CAP) {
    delete state.sockets[state.goneSockets.shift() as string];
  }
}

function leaveServerRoom(server: ServerState, room: string, socketId: string): void {
  const members = server.rooms[room];
  if (!members) return;
  removeFrom(members, socketId);
  if (members.length === 0) delete server.rooms[room];
}

export function onRoomChange(state: LabState, e: RoomChange): void {
  // Every socket sits in the room named by its own id; it is private, not a room users see.
  if (e.room === e.socketId) return;
  // Leaves of a socket already gone (the lab reports server.down before them) change nothing.
  const known = state.sockets[e.socketId];
  if ((known && !known.connected) || (!known && e.kind === 'room.leave')) return;
  const socket = ensureSocket(state, e.socketId, e.server);
  const server = ensureServer(state, socket.server);
  if (e.kind === 'room.join') {
    delete socket.leaving;
    addTo(socket.rooms, e.room);
    addTo((server.rooms[e.room] ??= []), e.socketId);
  } else {
    removeFrom(socket.rooms, e.room);
    const marked = e.closing === true;
    const last = socket.leaving;
    const run = last && (marked ? last.marked : last.seq === e.seq - 1) ? last.rooms : [];
    if (e.closing === false) delete socket.leaving;
    else socket.leaving = { rooms: [...run, e.room], seq: e.seq, marked };
    leaveServerRoom(server, e.room, e.socketId);
  }
  const client = socket.client ? state.clients[socket.client] : undefined;
  if (client && client.socketId === e.socketId && client.state === 'connected')
    client.rooms = [...socket.rooms];
}
