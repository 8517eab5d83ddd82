/**
 * Rosters: the clients (and every other connected socket) as they were when a flow started,
 * shared by every flow that started while nothing about them changed. A classroom sends
 * hundreds of messages between two joins, so sharing keeps the state (and each timeline
 * checkpoint) small: a copy per flow made a lab of 200 clients weigh 24 MB.
 */
import type { EventKind, SocketKind } from './events.ts';
import type { AudienceMember, Flow, LabState, Roster, RosterSocket } from './state.ts';

/** Kinds that change what a roster holds: who is connected where, in which rooms. */
const CHANGES_ROSTER: ReadonlySet<EventKind> = new Set<EventKind>([
  'server.up',
  'server.down',
  'server.link',
  // A sub connection that drops or comes back changes who can hear a remote broadcast.
  'redis.connect',
  'redis.disconnect',
  'lab.notice',
  'client.connect',
  'client.disconnect',
  'room.join',
  'room.leave',
]);

export function noteRosterChange(state: LabState, kind: EventKind): void {
  if (CHANGES_ROSTER.has(kind)) state.currentRoster = null;
}

/** A socket's kind as the state knows it; before kinds, one that named itself is the lab's. */
export function socketKind(socket: { kind?: SocketKind; client?: string }): SocketKind {
  return socket.kind ?? (socket.client ? 'lab' : 'outside');
}

function takeRoster(state: LabState): Roster {
  const audience: Record<string, AudienceMember> = {};
  for (const client of Object.values(state.clients)) {
    const server = state.servers[client.server];
    const connected = client.state === 'connected';
    const socket = connected && client.socketId ? state.sockets[client.socketId] : undefined;
    audience[client.id] = {
      server: client.server,
      connected,
      ...(socket ? { kind: socketKind(socket) } : {}),
      serverUp: (server?.state ?? 'up') === 'up',
      rooms: [...client.rooms],
      socketId: client.socketId,
      disconnects: client.disconnects,
      serverDowns: server?.downs ?? 0,
      ...(server?.link ? { serverLink: server.link } : {}),
      serverLinkCuts: server?.linkCuts ?? 0,
      ...(server?.connections.sub?.state === 'down' ? { subDown: true } : {}),
      serverSubDowns: server?.subDowns ?? 0,
    };
  }
  // Sockets that are no client's current one: outside clients, mostly (a few, in a classroom).
  const sockets: Record<string, RosterSocket> = {};
  for (const socket of Object.values(state.sockets)) {
    if (!socket.connected) continue;
    if (socket.client && state.clients[socket.client]?.socketId === socket.id) continue;
    sockets[socket.id] = {
      server: socket.server,
      rooms: [...socket.rooms],
      kind: socketKind(socket),
    };
  }
  return { refs: 0, audience, sockets };
}

/** The roster id for a flow starting now: the current one, or a new one if clients changed. */
export function useRoster(state: LabState): string {
  if (state.currentRoster === null) {
    const id = `r${++state.rosterCount}`;
    state.rosters[id] = takeRoster(state);
    state.currentRoster = id;
  }
  const id = state.currentRoster;
  (state.rosters[id] as { refs: number }).refs += 1;
  return id;
}

/** A flow let go of its roster; a roster no flow uses, and that is no longer current, goes. */
export function releaseRoster(state: LabState, id: string): void {
  const roster = state.rosters[id];
  if (!roster) return;
  roster.refs -= 1;
  if (roster.refs <= 0 && id !== state.currentRoster) delete state.rosters[id];
}

/** Drops rosters that lost their last flow while current and are current no more. */
export function pruneRosters(state: LabState): void {
  for (const [id, roster] of Object.entries(state.rosters)) {
    if (roster.refs <= 0 && id !== state.currentRoster) delete state.rosters[id];
  }
}

/** The clients as they were when the flow started (empty if its roster is unknown). */
export function audienceOf(state: LabState, flow: Flow): Record<string, AudienceMember> {
  return state.rosters[flow.atEmit.roster]?.audience ?? {};
}

/** A connected socket as a roster holds it. */
export interface SocketAtEmit {
  id: string;
  server: string;
  rooms: string[];
  kind: SocketKind;
}

/**
 * Every socket that was connected when the flow started, the clients' and the others', or
 * undefined when its roster is unknown or was taken before rosters kept sockets.
 */
export function socketsAtEmit(state: LabState, flow: Flow): SocketAtEmit[] | undefined {
  const roster = state.rosters[flow.atEmit.roster];
  if (!roster?.sockets) return undefined;
  const out: SocketAtEmit[] = [];
  for (const m of Object.values(roster.audience)) {
    if (!m.connected || m.socketId === undefined) continue;
    out.push({ id: m.socketId, server: m.server, rooms: m.rooms, kind: m.kind ?? 'lab' });
  }
  for (const [id, s] of Object.entries(roster.sockets))
    out.push({ id, server: s.server, rooms: s.rooms, kind: s.kind });
  return out;
}
