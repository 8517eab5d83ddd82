/**
 * Rosters: the clients as they were when a flow started, shared by every flow that started
 * while nothing about the clients changed. A classroom sends hundreds of messages between two
 * joins, so sharing keeps the state (and each timeline checkpoint) small: a copy per flow made
 * a lab of 200 clients weigh 24 MB.
 */
import type { EventKind } from './events.ts';
import type { AudienceMember, Flow, LabState } from './state.ts';

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

function takeRoster(state: LabState): Record<string, AudienceMember> {
  const audience: Record<string, AudienceMember> = {};
  for (const client of Object.values(state.clients)) {
    const server = state.servers[client.server];
    audience[client.id] = {
      server: client.server,
      connected: client.state === 'connected',
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
  return audience;
}

/** The roster id for a flow starting now: the current one, or a new one if clients changed. */
export function useRoster(state: LabState): string {
  if (state.currentRoster === null) {
    const id = `r${++state.rosterCount}`;
    state.rosters[id] = { refs: 0, audience: takeRoster(state) };
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
