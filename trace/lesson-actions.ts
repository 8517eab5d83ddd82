/**
 * A lesson action as the control API call that performs it (docs/api.md). The page, the
 * headless test and curl all go through the same door.
 */
import type { LessonAction, LessonSetup } from './lesson-types.ts';

export interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

export function setupCall(setup: LessonSetup): ApiCall {
  return {
    method: 'POST',
    path: '/api/lab/setup',
    body: {
      servers: setup.servers,
      adapter: setup.adapter,
      ...(setup.subscriptionMode ? { subscriptionMode: setup.subscriptionMode } : {}),
      clients: setup.clients.map((c) => ({ server: c.server, rooms: c.rooms })),
    },
  };
}

/** `clientId` turns the lesson's client names into the lab's ids. */
export function apiCallOf(action: LessonAction, clientId: (name: string) => string): ApiCall {
  const enc = encodeURIComponent;
  if ('stop' in action) return { method: 'POST', path: `/api/servers/${enc(action.stop)}/stop` };
  if ('crash' in action) return { method: 'POST', path: `/api/servers/${enc(action.crash)}/crash` };
  if ('start' in action) return { method: 'POST', path: `/api/servers/${enc(action.start)}/start` };
  if ('redis' in action) return { method: 'POST', path: `/api/redis/${action.redis}` };
  if ('removeClient' in action)
    return { method: 'DELETE', path: `/api/clients/${enc(clientId(action.removeClient))}` };
  if ('emit' in action) {
    const { client, event, args } = action.emit;
    return {
      method: 'POST',
      path: `/api/clients/${enc(clientId(client))}/emit`,
      body: { event, args },
    };
  }
  if ('addClient' in action)
    return { method: 'POST', path: '/api/clients', body: { ...action.addClient, count: 1 } };
  return setupCall(action.setup);
}

/** A short label for buttons and logs, e.g. "crash s2" or "c1 emits chat message". */
export function describeAction(action: LessonAction): string {
  if ('stop' in action) return `stop ${action.stop}`;
  if ('crash' in action) return `crash ${action.crash}`;
  if ('start' in action) return `start ${action.start}`;
  if ('redis' in action) return `${action.redis} Redis`;
  if ('removeClient' in action) return `remove ${action.removeClient}`;
  if ('emit' in action) return `${action.emit.client} emits "${action.emit.event}"`;
  if ('addClient' in action) return `add a client on ${action.addClient.server}`;
  return `rebuild the lab (${action.setup.servers} servers, ${action.setup.adapter} adapter)`;
}
