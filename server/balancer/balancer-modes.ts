/**
 * What every balancer of the lab shares, nginx or the Node proxy: the modes, the servers it
 * fronts, and the two marks it leaves on a request (a header the servers read, a cookie the
 * clients keep) so that the servers can tell which balancer routed what, whichever kind it is.
 */
import type { BalancerMode } from '../../trace/events.ts';

export type { BalancerMode };

export const BALANCER_MODES = [
  'sticky',
  'round-robin',
  'off',
] as const satisfies readonly BalancerMode[];

/** nginx when it is on the PATH, else the lab's proxy built on http-proxy-3. */
export type BalancerKind = 'nginx' | 'node';

/** The default of --balancer-port. */
export const DEFAULT_BALANCER_PORT = 4080;

/**
 * Set on every request the balancer passes on, to its mode: the servers' HTTP tap reports it,
 * which is how the trace knows a request came through the balancer and not straight.
 */
export const BALANCER_HEADER = 'x-lab-balancer';

/**
 * Sticky mode's cookie: the id of the server that answered the client's first request. The
 * balancer sends every request that carries it to that server while it is up, like HAProxy's
 * `cookie SERVERID insert` (nginx without its commercial `sticky` does it with two maps).
 */
export const STICKY_COOKIE = 'lab_server';

/**
 * How long the balancer waits for a server's answer. A long-polling GET is held open until the
 * server has something to send or its next ping: pingInterval + pingTimeout is 25 s + 20 s by
 * default, so anything shorter would cut healthy polls.
 */
export const READ_TIMEOUT_S = 60;

/** A server the balancer fronts: the lab's own servers, up or not. */
export interface Upstream {
  id: string;
  port: number;
  up: boolean;
}

/** Where the balancer reaches the servers: they listen on the lab's host. */
export function upstreamHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** host:port, with IPv6 addresses in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The server a sticky cookie names, when it is one of the up servers. */
export function stickyTarget(
  cookieHeader: string | undefined,
  servers: Upstream[],
): Upstream | undefined {
  const match = new RegExp(`(?:^|;\\s*)${STICKY_COOKIE}=([^;]*)`).exec(cookieHeader ?? '');
  if (!match) return undefined;
  return servers.find((s) => s.up && s.id === match[1]);
}
