/**
 * The balancer in lessons: a setup's `balancer` mode, the `balancer` action that switches it,
 * and how a client says it comes through it (`via: balancer`, `transports`). Read with the line
 * they came from, like the rest of lesson-schema.ts.
 */
import type { Node } from 'yaml';
import type { BalancerMode } from '../events.ts';
import type { ClientTransports } from '../lab-info.ts';
import type { YamlBlock, YNode } from './lesson-yaml.ts';

export const BALANCER_MODES = [
  'sticky',
  'round-robin',
  'off',
] as const satisfies readonly BalancerMode[];

/** The keys a client (of a setup or an addClient) may have besides server, rooms and nsp. */
export const ROUTE_KEYS = ['via', 'transports'];

export interface ClientRouteSpec {
  via?: 'balancer';
  transports?: ClientTransports;
}

export function readBalancerMode(y: YamlBlock, node: YNode, what: string): BalancerMode {
  return y.choice(node, what, BALANCER_MODES);
}

/**
 * `via: balancer` (the balancer picks the server, so the client names none) or a `server`, and
 * `transports`: [websocket] (the lab's default) or [polling, websocket] (Socket.IO's).
 */
export function readClientRoute(
  y: YamlBlock,
  m: Map<string, Node>,
  where: string,
  at: YNode,
): ClientRouteSpec {
  const out: ClientRouteSpec = {};
  const via = m.get('via');
  if (via) {
    y.choice(via, `${where}.via`, ['balancer', 'server'] as const);
    if (y.value(via) === 'balancer') out.via = 'balancer';
  }
  if (out.via && m.has('server'))
    y.fail(
      m.get('server'),
      `${where} comes through the balancer, which picks its server: leave out "server"`,
    );
  if (!out.via && !m.has('server')) y.fail(at, `${where} needs "server", or "via: balancer"`);
  const transports = m.get('transports');
  if (transports) {
    const list = y.list(transports, `${where}.transports`).map((t) => y.value(t));
    const given = list.join(',');
    if (given !== 'websocket' && given !== 'polling,websocket')
      y.fail(transports, `${where}.transports must be [websocket] or [polling, websocket]`);
    if (given === 'polling,websocket') out.transports = ['polling', 'websocket'];
  }
  return out;
}
