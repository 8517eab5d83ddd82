import { describe, expect, it } from 'vitest';
import type { HttpRequest, TransportUpgrade } from '../../../../trace/events.ts';
import { narrate } from './narration.ts';

const base: HttpRequest = {
  kind: 'http.request',
  seq: 1,
  t: 0,
  server: 's2',
  step: '1a',
  what: 'handshake',
  method: 'GET',
  transport: 'polling',
  sid: 'AbCdEfGhIjKlMnOpQrSt',
  status: 200,
  client: 'c1',
  ms: 2,
};

describe('the HTTP steps told', () => {
  it.each<[Partial<HttpRequest>, string]>([
    [
      { balancer: 'round-robin' },
      "c1 opened a long-polling session on s2 (the round-robin balancer's pick): the handshake was answered 200 with session AbCdEf….",
    ],
    [
      {
        what: 'send',
        method: 'POST',
        status: 400,
        error: 'Session ID unknown',
        balancer: 'round-robin',
      },
      "c1's send (POST) for session AbCdEf… went to s2 (the round-robin balancer's pick), which never opened that session: 400 Session ID unknown. c1 will start over.",
    ],
    [
      { what: 'poll', ms: 25_000 },
      "c1's poll (GET) for session AbCdEf… went to s2, which holds that session: 200, after 25.0 s of waiting for something to send.",
    ],
    [
      { what: 'upgrade', transport: 'websocket', status: 101, step: '1b', balancer: 'sticky' },
      "c1 asked s2 (the sticky balancer's pick) to move session AbCdEf… to WebSocket: 101 Switching Protocols.",
    ],
    [
      { transport: 'websocket', status: 101, step: '1b' },
      'c1 opened a WebSocket to s2 at once (101 Switching Protocols): this one request is its handshake, session AbCdEf…, so no later request can reach another server.',
    ],
    [
      { client: undefined, status: 403, error: 'Forbidden' },
      "A client's handshake (GET) reached s2, which refused it: 403 Forbidden.",
    ],
  ])('%j', (over, text) => {
    expect(narrate({ ...base, ...over })).toBe(text);
  });

  it('tells the upgrade that went through', () => {
    const e: TransportUpgrade = {
      kind: 'transport.upgrade',
      seq: 2,
      t: 0,
      server: 's1',
      step: '1b',
      sid: 'xyz',
      client: 'p1',
      from: 'polling',
      to: 'websocket',
    };
    expect(narrate(e)).toBe(
      "p1's session xyz on s1 moved from long-polling to WebSocket: the probe went through, and the polling stops.",
    );
  });
});
