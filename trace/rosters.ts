/**
 * Rosters: the clients (and every other connected socket) as they were when a flow started,
 * shared by every flow that started while nothing about them changed. A classroom sends
 * hundreds of messages between two joins, so sharing keeps the state (and each timeline
 * checkpoint) small: a copy per flow made a lab of 200 clients weigh 24 MB.
 */
import type {
  ClientConnect,
  ClientDisconnect,
  EventKind,
  LabEvent,
  RoomChange,
  SocketKind,
} from './events.ts';
import {
  ownFlow,
  putShared,
  shareRecord,
  type AudienceMember,
  type ClientState,
  type Flow,
  type LabState,
  type Roster,
  type RosterSocket,
  type SocketState,
} from './state.ts';

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

/** A client as a roster holds it, from the state now. */
function memberOf(state: LabState, client: ClientState): AudienceMember {
  const server = state.servers[client.server];
  const connected = client.state === 'connected';
  const socket = connected && client.socketId ? state.sockets[client.socketId] : undefined;
  return {
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

/** A socket as a roster's `sockets` holds it: connected, and no client's current socket. */
function rosterSocketOf(
  state: LabState,
  socket: SocketState | undefined,
): RosterSocket | undefined {
  if (!socket?.connected) return undefined;
  if (socket.client && state.clients[socket.client]?.socketId === socket.id) return undefined;
  return { server: socket.server, rooms: [...socket.rooms], kind: socketKind(socket) };
}

function takeRoster(state: LabState): Roster {
  const audience: Record<string, AudienceMember> = {};
  for (const client of Object.values(state.clients)) audience[client.id] = memberOf(state, client);
  // Sockets that are no client's current one: outside clients, mostly (a few, in a classroom).
  const sockets: Record<string, RosterSocket> = {};
  for (const socket of Object.values(state.sockets)) {
    const held = rosterSocketOf(state, socket);
    if (held) sockets[socket.id] = held;
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

/**
 * How far back in `t` (ms) a flow is looked at for a late roster change. Each source reports in
 * its own batches (about every 50 ms, BATCH_MS, later under load), so the order flows arrive in is the
 * order of their `t` only to within the sources' lag: past a flow this much older than the
 * event, no flow that started after it is left.
 */
export const LATE_ROSTER_MS = 2000;

/** Kinds that change one socket (and its client): the ones a late arrival is corrected for. */
const CHANGES_SOCKET: ReadonlySet<EventKind> = new Set<EventKind>([
  'client.connect',
  'client.disconnect',
  'room.join',
  'room.leave',
]);

/** Same roster record (a member or a socket): equal fields, arrays by their items. */
function same(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) {
    const u = x[key];
    const v = y[key];
    if (u === v) continue;
    if (!Array.isArray(u) || !Array.isArray(v) || u.length !== v.length) return false;
    if (u.some((item, i) => item !== v[i])) return false;
  }
  return true;
}

/**
 * A flow's roster is what the state held when the flow's first event arrived. But arrival order
 * is not event order across sources: each server sends its events in its own batches, so a
 * `client.connect` (disconnect, join, leave) that happened on one server before a broadcast can
 * arrive after the broadcast's first events from another. Called once `e` is reduced: every flow
 * already seen that started after `e` (its `firstT` later than `e.t`; the lab's servers share
 * the machine's clock) gets the socket and its client as the state holds them now, as if `e`
 * had arrived in time. Rosters are shared by flows and their records by forked states: a roster
 * is changed only when every flow that uses it is corrected (its records copied first if
 * shared); otherwise the corrected flows move to a new roster. Only flows of the last
 * LATE_ROSTER_MS are looked at.
 * Events of one socket come from one server, in order, so a later event of it corrects the flows
 * after it in turn; a client's reconnect to another server may come first, and then only a
 * disconnect of the socket the flows knew is taken. A change at the same millisecond as the flow's start is left out: which came
 * first is not known, and a delivery judged unexpected says less that is wrong than one judged lost.
 */
export function correctLateRosters(state: LabState, e: LabEvent): void {
  if (!CHANGES_SOCKET.has(e.kind)) return;
  const { socketId } = e as ClientConnect | ClientDisconnect | RoomChange;
  const late = new Map<string, Flow[]>();
  for (let i = state.flowOrder.length - 1; i >= 0; i--) {
    const flow = state.flows[state.flowOrder[i]];
    if (!flow) continue;
    if (flow.firstT < e.t - LATE_ROSTER_MS) break;
    if (flow.firstT <= e.t) continue;
    const flows = late.get(flow.atEmit.roster);
    if (flows) flows.push(flow);
    else late.set(flow.atEmit.roster, [flow]);
  }
  if (late.size === 0) return;
  const socket = state.sockets[socketId];
  const clientId = socket?.client ?? ('client' in e ? e.client : undefined);
  const known = clientId !== undefined ? state.clients[clientId] : undefined;
  // A client now on another socket went on without this one (a reconnect that arrived first,
  // and may have come after the flows): its state now says nothing of them.
  const current = known?.socketId === socketId;
  const member = known && current ? memberOf(state, known) : undefined;
  const held = rosterSocketOf(state, socket);
  for (const [id, flows] of late) {
    const roster = state.rosters[id];
    if (!roster) continue;
    const was = known ? roster.audience[known.id] : undefined;
    let now = was;
    if (member) {
      // A member already there keeps what its server was at emit time; only the client moves.
      const { connected, kind, rooms, disconnects } = member;
      now = member;
      if (was && was.server === member.server) {
        now = { ...was, connected, rooms, socketId: member.socketId, disconnects };
        if (kind) now.kind = kind;
        else delete now.kind;
      }
    } else if (was?.connected && was.socketId === socketId && e.kind === 'client.disconnect') {
      // Only what the event itself says: the socket the flows knew it by had gone.
      now = { ...was, connected: false, disconnects: was.disconnects + 1 };
      delete now.kind;
    }
    const memberMoved = known !== undefined && now !== undefined && !same(was, now);
    const socketMoved = roster.sockets !== undefined && !same(roster.sockets[socketId], held);
    if (!memberMoved && !socketMoved) continue;
    let target = roster;
    if (flows.length !== roster.refs) {
      // Other flows keep the roster: the corrected ones move to a new one, sharing its records.
      shareRecord(roster.audience);
      if (roster.sockets) shareRecord(roster.sockets);
      const next = `r${++state.rosterCount}`;
      target = state.rosters[next] = { ...roster, refs: 0 };
      for (const flow of flows) {
        const own = ownFlow(state, flow.id);
        if (!own) continue;
        own.atEmit.roster = next;
        target.refs += 1;
        releaseRoster(state, id);
      }
    }
    if (memberMoved) target.audience = putShared(target.audience, known.id, now);
    if (socketMoved) target.sockets = putShared(target.sockets!, socketId, held);
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
