/**
 * What the lab says and does about its balancer, kept out of lab.ts: the servers it fronts, the
 * sentence a mode switch tells the class, and the refusals the API answers.
 */
import { LabError } from '../lab-error.ts';
import { PortInUseError, type ServerNode } from '../server-node.ts';
import { DEFAULT_BALANCER_PORT, STICKY_COOKIE, type Upstream } from './balancer-modes.ts';
import type { BalancerInfo } from './lab-balancer.ts';
import { NginxError } from './nginx-process.ts';

export { DEFAULT_BALANCER_PORT };

/** The lab's own servers as the balancer sees them (standalone servers are not behind it). */
export function upstreamsOf(servers: readonly ServerNode[]): Upstream[] {
  return servers.map((s) => ({ id: s.id, port: s.port, up: s.state === 'up' }));
}

/** What the class is told when the mode changes. */
export function balancerNotice(b: BalancerInfo): string {
  const who = b.kind === 'nginx' ? 'nginx' : "the lab's Node proxy";
  if (b.mode === 'off') return `The balancer is off: clients connect straight to a server's port.`;
  if (b.mode === 'round-robin')
    return `The balancer (${who}, port ${b.port}) is round-robin: each request goes to the next server in turn, whatever session it belongs to.`;
  return `The balancer (${who}, port ${b.port}) is sticky: a client's first request goes to the next server in turn, and the ${STICKY_COOKIE} cookie sends every later one to the same server.`;
}

/** A balancer that could not start or change, as the API's answer (a 409 with the sentence). */
export function balancerError(err: unknown): never {
  if (err instanceof PortInUseError || err instanceof NginxError)
    throw new LabError(409, err.message);
  throw err;
}

/** The banner's line: the mode, and which kind runs it (or would). */
export function balancerLine(b: BalancerInfo): string {
  const kind =
    b.kind === 'nginx' ? 'nginx' : "the lab's Node proxy (http-proxy-3; nginx is not on PATH)";
  if (b.mode === 'off')
    return `off (${kind} on :${b.port} once switched on: --balancer, or POST /api/balancer)`;
  return `${b.mode}, ${kind} on :${b.port}`;
}
