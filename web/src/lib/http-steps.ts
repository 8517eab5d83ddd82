/**
 * The two HTTP steps, told between step 1 and step 2 of the walkthrough when the lab has a
 * load balancer (or when the trace shows one of them): what long-polling and the upgrade do,
 * and what the balancer's mode makes of them. Checked against engine.io 6 (its `verify()`
 * refuses a request whose sid it does not hold with 400 "Session ID unknown") and against the
 * balancers in server/balancer/.
 */
import type { HttpStep } from '../../../trace/events.ts';
import type { LabInfo } from '../../../trace/lab-info.ts';

export interface HttpWalkthroughStep {
  step: HttpStep;
  title: string;
  text: string;
}

type Balancer = NonNullable<LabInfo['balancer']>;

const POLLING =
  'Socket.IO starts with HTTP long-polling: a GET handshake opens a session on one server, which answers its id (sid); every GET and POST after it names the sid, and only that server knows it.';

function pollingThrough(b: Balancer | null): string {
  if (!b || b.mode === 'off') return POLLING;
  if (b.mode === 'round-robin')
    return `${POLLING} The balancer on port ${b.port} sends each request to the next server in turn: the request after the handshake meets another server, which answers 400 Session ID unknown, and the client starts over, again and again.`;
  return `${POLLING} The balancer on port ${b.port} is sticky: a client's first request goes to the next server in turn, and a cookie (lab_server) brings every later one back to that server, so the sid is always known.`;
}

const UPGRADE =
  'Once its session is open, the client asks the same server to move it to WebSocket (a GET with Upgrade: websocket and its sid, answered 101); after a probe, polling stops. A websocket-only client starts here: its one request is its handshake, so it needs no stickiness, but where WebSocket is blocked it has no long-polling to fall back on.';

/** Steps 1a and 1b for this lab's balancer (none: told without one). */
export function httpSteps(balancer: Balancer | null | undefined): HttpWalkthroughStep[] {
  const b = balancer ?? null;
  return [
    {
      step: '1a',
      title: b && b.mode !== 'off' ? 'Through the balancer' : 'Long-polling requests',
      text: pollingThrough(b),
    },
    { step: '1b', title: 'The upgrade', text: UPGRADE },
  ];
}

/** Whether the walkthrough tells the HTTP steps: a balancer runs, or the current step is one. */
export function showsHttpSteps(balancer: Balancer | null | undefined, current: unknown): boolean {
  return (!!balancer && balancer.mode !== 'off') || current === '1a' || current === '1b';
}
