/**
 * What kind of client a socket belongs to, from what it said in its handshake (issue 20: a
 * broadcast that reached 230 sockets read "delivered 200", the sockets of clients outside the lab
 * being left out). Lab and page clients say `labKind`; a phone says which `student` it is; a
 * client that says nothing (a script, the original demo's page) is outside the lab.
 */
import type { SocketKind } from '../../trace/events.ts';

type Handshake = { handshake?: { auth?: Record<string, unknown> } };

export function socketKind(socket: Handshake): SocketKind {
  const auth = socket.handshake?.auth ?? {};
  if (typeof auth.student === 'string') return 'phone';
  if (auth.labKind === 'page') return 'page';
  // A client that names itself (`labClient`) without a kind is the lab's own, as before kinds.
  if (auth.labKind === 'lab' || typeof auth.labClient === 'string') return 'lab';
  return 'outside';
}
