/**
 * The HTTP steps (1a and 1b) in one sentence each: which server a request reached (behind a
 * balancer, the one it picked), the session it named, and the answer. Text only, like the rest
 * of the narration.
 */
import type { HttpRequest, TransportUpgrade } from '../../../../trace/events.ts';

/** engine.io session ids are 20 characters; six tell them apart. */
function sidText(sid: string | undefined): string {
  if (!sid) return 'no session';
  return `session ${sid.length > 8 ? `${sid.slice(0, 6)}…` : sid}`;
}

function via(e: { server: string; balancer?: string }): string {
  return e.balancer ? `${e.server} (the ${e.balancer} balancer's pick)` : e.server;
}

const NAME: Record<HttpRequest['what'], string> = {
  handshake: 'handshake (GET)',
  poll: 'poll (GET)',
  send: 'send (POST)',
  upgrade: 'upgrade request (GET)',
};

export function narrateHttp(e: HttpRequest): string {
  const who = e.client ?? 'A client';
  const answer = `${e.status}${e.error ? ` ${e.error}` : ''}`;
  if (e.status >= 400) {
    const unknown = e.error === 'Session ID unknown';
    return unknown
      ? `${who}'s ${NAME[e.what]} for ${sidText(e.sid)} went to ${via(e)}, which never opened that session: ${answer}. ${e.client ?? 'The client'} will start over.`
      : `${who}'s ${NAME[e.what]} reached ${via(e)}, which refused it: ${answer}.`;
  }
  switch (e.what) {
    case 'handshake':
      return e.transport === 'websocket'
        ? `${who} opened a WebSocket to ${via(e)} at once (${e.status} Switching Protocols): this one request is its handshake, ${sidText(e.sid)}, so no later request can reach another server.`
        : `${who} opened a long-polling session on ${via(e)}: the handshake was answered ${answer} with ${sidText(e.sid)}.`;
    case 'upgrade':
      return `${who} asked ${via(e)} to move ${sidText(e.sid)} to WebSocket: ${e.status === 101 ? '101 Switching Protocols' : answer}.`;
    default:
      return `${who}'s ${NAME[e.what]} for ${sidText(e.sid)} went to ${via(e)}, which holds that session: ${answer}${e.what === 'poll' && e.ms >= 1000 ? `, after ${(e.ms / 1000).toFixed(1)} s of waiting for something to send` : ''}.`;
  }
}

export function narrateUpgrade(e: TransportUpgrade): string {
  return `${e.client ?? 'A client'}'s ${sidText(e.sid)} on ${e.server} moved from ${e.from === 'polling' ? 'long-polling' : e.from} to ${e.to === 'websocket' ? 'WebSocket' : e.to}: the probe went through, and the polling stops.`;
}
