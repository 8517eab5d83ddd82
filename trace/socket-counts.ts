/**
 * A broadcast counted in sockets, every one of them, by the kind of client it belongs to (issue
 * 20: "Expected 200, delivered 200" for a broadcast that reached 230 sockets, because the
 * reconciliation counts the lab's clients, and the sockets of scripts, phones and the seed's own
 * page are nobody's client there). Delivered comes from the servers' exact per-kind counts;
 * expected from the sockets that were connected when the broadcast started (its roster, as
 * reconciliation judges the clients) that its target takes in: a socket that connects, leaves or
 * joins a room afterwards changes nothing of it.
 */
import { SOCKET_KINDS, type SocketKind } from './events.ts';
import { socketKind, socketsAtEmit, type SocketAtEmit } from './rosters.ts';
import type { Flow, LabState, SocketState } from './state.ts';
import { plural } from './plural.ts';

/** `unknown`: a socket of a trace made before kinds, beyond the 50 ids a deliver lists. */
export type CountedKind = SocketKind | 'unknown';
export type KindCounts = Partial<Record<CountedKind, number>>;

export interface SocketCounts {
  expected: { total: number; kinds: KindCounts };
  delivered: { total: number; kinds: KindCounts };
}

/** A socket's kind as the state knows it; before kinds, one that named itself is the lab's. */
export function kindOf(socket: SocketState | undefined): CountedKind {
  return socket ? socketKind(socket) : 'unknown';
}

function add(into: KindCounts, kind: CountedKind, n: number): void {
  if (n > 0) into[kind] = (into[kind] ?? 0) + n;
}

/** Every socket the servers delivered the flow to, by kind. */
function delivered(state: LabState, flow: Flow): SocketCounts['delivered'] {
  const kinds: KindCounts = {};
  let total = 0;
  for (const d of flow.deliveries) {
    total += d.count;
    if (d.kinds) {
      for (const [kind, n] of Object.entries(d.kinds)) add(kinds, kind as SocketKind, n);
      continue;
    }
    for (const id of d.sockets) add(kinds, kindOf(state.sockets[id]), 1);
    add(kinds, 'unknown', d.count - d.sockets.length);
  }
  return { total, kinds };
}

/** The sockets connected now: for a flow whose roster is gone or kept no sockets (older traces). */
function connectedNow(state: LabState): SocketAtEmit[] {
  return Object.values(state.sockets)
    .filter((s) => s.connected)
    .map((s) => ({ id: s.id, server: s.server, rooms: s.rooms, kind: socketKind(s) }));
}

/** The sockets connected at emit time that the broadcast's target takes in: its rooms, less its except. */
function expected(state: LabState, flow: Flow): SocketCounts['expected'] {
  const kinds: KindCounts = {};
  let total = 0;
  // As the reconciliation judges it: stayed local only when no server published it.
  const published = flow.publishes.some((p) => p.traffic === 'broadcast');
  const local = new Set(published ? [] : flow.localOnly);
  for (const socket of socketsAtEmit(state, flow) ?? connectedNow(state)) {
    if (local.size && !local.has(socket.server)) continue;
    if (flow.rooms.length && !socket.rooms.some((r) => flow.rooms.includes(r))) continue;
    if (flow.except.includes(socket.id) || socket.rooms.some((r) => flow.except.includes(r)))
      continue;
    total += 1;
    add(kinds, socket.kind, 1);
  }
  return { total, kinds };
}

/** The flow's sockets: expected (as they were when it started) and delivered. */
export function socketCounts(state: LabState, flow: Flow): SocketCounts {
  return { expected: expected(state, flow), delivered: delivered(state, flow) };
}

/** Each kind's word for one and for many (plural's arguments). */
const WORDS: Record<CountedKind, [string, string?]> = {
  lab: ['lab client'],
  page: ['page client'],
  phone: ['phone'],
  outside: ['outside', 'outside'],
  unknown: ['of no known kind', 'of no known kind'],
};

/** `200 lab clients, 20 page clients, 10 outside`, in a fixed order. */
export function kindWords(kinds: KindCounts): string {
  return [...SOCKET_KINDS, 'unknown' as const]
    .filter((k) => kinds[k])
    .map((k) => plural(kinds[k]!, ...WORDS[k]))
    .join(', ');
}
