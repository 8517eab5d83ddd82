/** The hub's JSON control API (docs/api.md). Every route is a thin call into the Lab. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADAPTERS, SUBSCRIPTION_MODES } from '../flags.ts';
import { Lab, LabError, RING_SIZE } from '../lab.ts';
import { TRACE_VERSION } from '../../trace/events.ts';
import { HttpError, field, readJson, sendJson } from './http-json.ts';
import { lessonRoutes, eventName } from '../lesson-routes.ts';
import { decodePart } from './request-edge.ts';
import { classRoutes } from '../classroom/class-routes.ts';
import { balancerRoutes, clientRoute } from '../balancer/balancer-routes.ts';
import { BALANCER_MODES } from '../balancer/balancer-modes.ts';
import { outsiderRequest } from '../outsider.ts';
import type { CutMode } from '../lab-links.ts';
import { pageReportRoutes } from './page-reports.ts';

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const ROOM = /^[\w:.-]{1,64}$/;
/** `/` or a namespace the servers serve (server/lab-namespaces.ts). */
const NSP = /^\/(game|news)?$/;
/** What may be tried on a sub connection: harmless, and enough to show subscriber mode. */
const SUB_COMMANDS = ['PING', 'ECHO', 'PUBLISH'];

export type Handler = (
  lab: Lab,
  params: string[],
  body: Record<string, unknown>,
  query: URLSearchParams,
  req: IncomingMessage,
) => Promise<[number, unknown]>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** A change anyone may make, even on an exposed hub (a phone joining the class). */
  open?: boolean;
}

function rooms(body: Record<string, unknown>, name = 'rooms'): string[] {
  const list = field.optionalArray(body, name, 20) ?? [];
  for (const r of list)
    if (typeof r !== 'string' || !ROOM.test(r))
      throw new HttpError(
        400,
        `"${name}" must hold room names of 1-64 letters, digits, _ : . or -.`,
        name,
      );
  return list as string[];
}

/** The hub's route table: every call of the control API (trace/api-calls.ts builds them). */
export const apiRoutes: Route[] = [
  { method: 'GET', pattern: /^\/api\/lab$/, handler: async (lab) => [200, lab.info()] },
  {
    method: 'GET',
    pattern: /^\/api\/trace$/,
    handler: async (lab, _p, _b, query) => {
      const given = query.get('limit');
      const limit = given === null ? RING_SIZE : Number(given);
      if (!/^\d+$/.test(given ?? '0') || limit < 1)
        throw new HttpError(400, `"limit" must be a whole number from 1 to ${RING_SIZE}.`, 'limit');
      return [200, { v: TRACE_VERSION, events: lab.ring.last(Math.min(limit, RING_SIZE)) }];
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/state$/,
    // The lab as it stands now (servers, connections, subscriptions, sockets, clients, rooms,
    // counters), whatever the ring still holds: trace/state.ts's LabState without its messages.
    handler: async (lab) => [200, { v: TRACE_VERSION, state: lab.feed.standing.now() }],
  },
  {
    method: 'POST',
    pattern: /^\/api\/servers\/([^/]+)\/(stop|crash|start)$/,
    handler: async (lab, [id, action]) => [
      200,
      await lab.serverAction(id, action as 'stop' | 'crash' | 'start'),
    ],
  },
  {
    method: 'POST',
    pattern: /^\/api\/servers\/([^/]+)\/(cut|heal)$/,
    handler: async (lab, [id, action], body) => {
      const mode = body.mode ?? 'reset';
      if (action === 'cut' && mode !== 'reset' && mode !== 'freeze' && mode !== 'slow')
        throw new HttpError(
          400,
          `"mode" must be "reset" (the server's connections to Redis are closed), "freeze" (they stay open and nothing passes) or "slow" (its sub connection stops reading until Redis cuts it off).`,
          'mode',
        );
      const limit = body.limit;
      if (limit !== undefined && (typeof limit !== 'string' || !/^\w+ \w+ \d+$/.test(limit)))
        throw new HttpError(
          400,
          `"limit" is Redis's pubsub output buffer limit as "<hard> <soft> <seconds>", e.g. "1mb 256kb 2".`,
          'limit',
        );
      return [
        200,
        await lab.serverLink(id, action === 'heal' ? 'heal' : (mode as CutMode), { limit }),
      ];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/servers\/([^/]+)\/sub-command$/,
    handler: async (lab, [id], body) => {
      const server = lab.server(id);
      const args = field.optionalArray(body, 'args', 5);
      const ok =
        args && args.length > 0 && args.every((a) => typeof a === 'string' && a.length <= 200);
      if (!ok || !SUB_COMMANDS.includes(String(args[0]).toUpperCase())) {
        throw new HttpError(
          400,
          `"args" must be a command and its arguments, one of ${SUB_COMMANDS.join(', ')}, e.g. ["PUBLISH", "demo", "hi"].`,
          'args',
        );
      }
      return [200, await server.trySubCommand(args as string[])];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/servers$/,
    handler: async (lab) => [201, await lab.addServer()],
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/servers\/([^/]+)$/,
    handler: async (lab, [id]) => [200, await lab.removeServer(id)],
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/(stop|start)$/,
    handler: async (lab, [action]) => [
      200,
      await (action === 'stop' ? lab.redisStop() : lab.redisStart()),
    ],
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/nodes\/([^/]+)\/(stop|start)$/,
    handler: async (lab, [name, action]) => [
      200,
      { nodes: await lab.toggleClusterNode(name, action as 'stop' | 'start') },
    ],
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/stray-subscriber$/,
    handler: async (lab) => {
      await lab.addStraySubscriber();
      return [200, { straySubscriber: true }];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/redis\/stray-subscriber$/,
    handler: async (lab) => {
      await lab.removeStraySubscriber();
      return [200, { straySubscriber: false }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/publish$/,
    handler: async (lab, _p, body) => [200, await lab.outsiderPublish(outsiderRequest(body))],
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/lockdown$/,
    handler: async (lab) => [200, { lockedDown: true, ...(await lab.lockDown()) }],
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/redis\/lockdown$/,
    handler: async (lab) => {
      await lab.unlock();
      return [200, { lockedDown: false }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/clients$/,
    handler: async (lab, _p, body) => {
      const server = field.optionalString(body, 'server', ID);
      const count = field.optionalInt(body, 'count', 1, 200) ?? 1;
      const nsp = field.optionalString(body, 'nsp', NSP);
      const route = clientRoute(body);
      if (server && route.via === 'server') lab.server(server);
      return [201, await lab.addClients(server, count, rooms(body), nsp, route)];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/clients\/([^/]+)$/,
    handler: async (lab, [id]) => {
      if (!lab.clients.remove(id)) throw new LabError(404, `There is no lab client "${id}".`);
      return [200, { removed: id }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/clients\/([^/]+)\/emit$/,
    handler: async (lab, [id], body) => {
      if (!lab.clients.get(id)) throw new LabError(404, `There is no lab client "${id}".`);
      const event = eventName(body);
      const args = field.optionalArray(body, 'args', 10) ?? [];
      return [200, { client: id, event, reply: await lab.clients.emit(id, event, args) }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/clients\/([^/]+)\/burst$/,
    handler: async (lab, [id], body) => {
      if (!lab.clients.get(id)) throw new LabError(404, `There is no lab client "${id}".`);
      const count = field.optionalInt(body, 'count', 1, 300) ?? 100;
      const bytes = field.optionalInt(body, 'bytes', 1, 60_000) ?? 60_000;
      return [200, { client: id, ...(await lab.clients.burst(id, count, bytes, lab.clientRate)) }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/lab\/setup$/,
    handler: async (lab, _p, body) => {
      const servers = field.optionalInt(body, 'servers', 1, 10);
      const adapter = field.optionalChoice(body, 'adapter', ADAPTERS);
      const subscriptionMode = field.optionalChoice(body, 'subscriptionMode', SUBSCRIPTION_MODES);
      const resp = field.optionalInt(body, 'resp', 2, 3) as 2 | 3 | undefined;
      const list = field.optionalArray(body, 'clients', 200) ?? [];
      const clients = list.map((c, i) => {
        if (!c || typeof c !== 'object')
          throw new HttpError(
            400,
            `"clients[${i}]" must be an object like {"server": "s1"}.`,
            'clients',
          );
        const spec = c as Record<string, unknown>;
        return {
          server: field.optionalString(spec, 'server', ID),
          rooms: rooms(spec),
          nsp: field.optionalString(spec, 'nsp', NSP),
          route: clientRoute(spec),
        };
      });
      const balancer = field.optionalChoice(body, 'balancer', BALANCER_MODES);
      if (field.optionalChoice(body, 'cluster', ['required']) && !lab.options.cluster)
        throw new LabError(
          409,
          'This lesson needs the lab on a Redis Cluster: start it with npm start -- --redis-cluster (redis-server 7 or newer).',
        );
      return [
        200,
        await lab.setup({ servers, adapter, subscriptionMode, resp, balancer, clients }),
      ];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/lesson$/,
    handler: async (lab, _p, body) => {
      const id = field.requiredString(body, 'id', ID);
      const title = field.requiredString(body, 'title');
      const holder = field.requiredString(body, 'holder', ID);
      lab.lessons.claim({ id, title: title.slice(0, 120), holder, step: 0 });
      return [200, lab.lessons.current];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/lesson\/step$/,
    handler: async (lab, _p, body) => {
      const holder = field.requiredString(body, 'holder', ID);
      const step = field.optionalInt(body, 'step', 0, 1000) ?? 0;
      lab.lessons.step(holder, step);
      return [200, lab.lessons.current];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/lesson$/,
    handler: async (lab, _p, _b, query) => {
      lab.lessons.release(query.get('holder') ?? '');
      return [200, { lesson: null }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/lab\/reset-trace$/,
    handler: async (lab) => {
      lab.feed.standing.foldHistory();
      lab.ring.clear();
      return [200, { events: 0 }];
    },
  },
  ...lessonRoutes,
  ...classRoutes,
  ...balancerRoutes,
  ...pageReportRoutes,
];

/** What a path segment of the API may be: a server, client or route name. */
function pathParam(raw: string): string {
  const value = decodePart(raw, 'An id in the path');
  if (!ID.test(value))
    throw new HttpError(
      400,
      `Ids are 1-32 letters, digits, _ or -; ${JSON.stringify(value.slice(0, 40))} is not one.`,
    );
  return value;
}

/** Answers an /api request; every error is an answer (JSON, a status and a sentence). */
export async function handleApi(
  lab: Lab,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  authorize: (req: IncomingMessage) => boolean,
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const path = url.pathname;
    // Malformed percent-encoding anywhere in the path is a 400, whatever route it would be.
    const shown = decodePart(path).slice(0, 200);
    const matches = apiRoutes.filter((r) => r.pattern.test(path));
    if (matches.length === 0) throw new HttpError(404, `No API route ${shown}; see docs/api.md.`);
    const route = matches.find((r) => r.method === method);
    if (!route)
      throw new HttpError(
        405,
        `${method} is not allowed on ${shown}; use ${matches.map((r) => r.method).join(' or ')}.`,
      );
    if (method !== 'GET' && !route.open && !authorize(req)) {
      throw new HttpError(
        401,
        'This hub is exposed beyond this machine, so changes need its token: send "Authorization: Bearer <token>" or ?token=<token> (the token is in the banner).',
      );
    }
    const params = route.pattern.exec(path)!.slice(1).map(pathParam);
    const body = method === 'GET' ? {} : await readJson(req);
    const [status, result] = await route.handler(lab, params, body, url.searchParams, req);
    sendJson(res, status, result);
  } catch (err) {
    if (err instanceof HttpError || err instanceof LabError) {
      sendJson(res, err.status, { error: err.message, field: err.field });
    } else {
      sendJson(res, 500, { error: `The lab could not do that: ${(err as Error).message}` });
    }
  }
}
