/**
 * A broadcast counted in sockets, every one of them, by the kind of client it belongs to (issue
 * 20: "Expected 200, delivered 200" for a broadcast that reached 230 sockets, because the
 * reconciliation counts the lab's clients, and the sockets of scripts, phones and the seed's own
 * page are nobody's client there). Delivered comes from the servers' exact per-kind counts;
 * expected from the sockets the state holds that the broadcast's target takes in.
 */
import { SOCKET_KINDS, type SocketKind } from './events.ts';
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
  if (!socket) return 'unknown';
  return socket.kind ?? (socket.client ? 'lab' : 'outside');
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

/** The connected sockets the broadcast's target takes in: its rooms, less its except. */
function expected(state: LabState, flow: Flow): SocketCounts['expected'] {
  const kinds: KindCounts = {};
  let total = 0;
  // As the reconciliation judges it: stayed local only when no server published it.
  const published = flow.publishes.some((p) => p.traffic === 'broadcast');
  const local = new Set(published ? [] : flow.localOnly);
  for (const socket of Object.values(state.sockets)) {
    if (!socket.connected) continue;
    if (local.size && !local.has(socket.server)) continue;
    if (flow.rooms.length && !socket.rooms.some((r) => flow.rooms.includes(r))) continue;
    if (flow.except.includes(socket.id) || socket.rooms.some((r) => flow.except.includes(r)))
      continue;
    total += 1;
    add(kinds, kindOf(socket), 1);
  }
  return { total, kinds };
}

/** The flow's sockets, expected (in `state`, as it stands) and delivered. */
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
