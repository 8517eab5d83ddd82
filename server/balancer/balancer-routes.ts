/**
 * The balancer's part of the control API (docs/api.md): switching its mode, and how a client
 * asks to come through it. A change, like every other: an exposed hub asks for its token.
 */
import type { ClientRoute, LabClientInfo } from '../lab-clients.ts';
import type { Route } from '../hub/api-routes.ts';
import { HttpError, field } from '../hub/http-json.ts';
import { BALANCER_MODES } from './balancer-modes.ts';

const TRANSPORTS = ['websocket', 'polling'] as const;

/** `via` and `transports` of a client's body, e.g. {"via": "balancer", "transports": ["polling", "websocket"]}. */
export function clientRoute(body: Record<string, unknown>): ClientRoute {
  const via = field.optionalChoice(body, 'via', ['server', 'balancer'] as const) ?? 'server';
  const list = field.optionalArray(body, 'transports', 2) ?? ['websocket'];
  const given = list.join(',');
  if (given !== 'websocket' && given !== 'polling,websocket')
    throw new HttpError(
      400,
      `"transports" must be ["websocket"] (WebSocket only, the lab's default) or ["polling", "websocket"] (long-polling first, then the upgrade: Socket.IO's default); not ${JSON.stringify(list).slice(0, 60)}.`,
      'transports',
    );
  return {
    via,
    transports: given === 'websocket' ? [TRANSPORTS[0]] : [TRANSPORTS[1], TRANSPORTS[0]],
  };
}

/** What a page says of its clients' route (hub.ts reads page reports): nothing when direct. */
export function pageClientRoute(
  via: unknown,
  transports: unknown,
): Pick<LabClientInfo, 'via' | 'transports'> {
  const polling = Array.isArray(transports) && transports.join(',') === 'polling,websocket';
  return {
    ...(via === 'balancer' ? { via: 'balancer' as const } : {}),
    ...(polling ? { transports: ['polling', 'websocket'] as ['polling', 'websocket'] } : {}),
  };
}

export const balancerRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/balancer$/,
    handler: async (lab, _p, body) => {
      const mode = field.optionalChoice(body, 'mode', BALANCER_MODES);
      if (!mode)
        throw new HttpError(
          400,
          `"mode" is required: one of ${BALANCER_MODES.join(', ')}, e.g. {"mode": "sticky"}.`,
          'mode',
        );
      return [200, await lab.setBalancerMode(mode)];
    },
  },
];
