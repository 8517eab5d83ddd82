/**
 * The control API's routes for what the lessons add (docs/api.md "Lesson parts"): the Redis
 * console, the plain app, emits several clients send in the same tick, and an emit every server
 * makes itself. They are changes, so an exposed hub asks for its token, as for every change.
 */
import type { Route } from './hub/api-routes.ts';
import { HttpError, field } from './hub/http-json.ts';
import { LabError, type Lab } from './lab.ts';
import { lessonParts } from './lesson-parts.ts';

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const EVENT = /^[\w :.-]{1,64}$/;
/** Socket.IO's own events: emitting one is refused by Socket.IO, so the API refuses it first. */
const RESERVED = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];
const TEXT_MAX = 200;

function flag(body: Record<string, unknown>, name: string): boolean {
  const v = body[name] ?? false;
  if (typeof v !== 'boolean') throw new HttpError(400, `"${name}" must be true or false.`, name);
  return v;
}

export function eventName(body: Record<string, unknown>, name = 'event'): string {
  const event = field.requiredString(body, name, EVENT);
  if (RESERVED.includes(event))
    throw new HttpError(
      400,
      `"${event}" is one of Socket.IO's own events; pick another name.`,
      name,
    );
  return event;
}

/** Every up server calls io.emit (or io.local.emit) itself, in the same tick. */
function serversEmit(lab: Lab, event: string, args: unknown[], local: boolean): string[] {
  const up = lab.servers.local.filter((s) => s.state === 'up' && s.server);
  if (up.length === 0) throw new LabError(409, 'No server is up; start one first.');
  for (const s of up) (local ? s.server!.local : s.server!).emit(event, ...args);
  return up.map((s) => s.id);
}

export const lessonRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/redis\/console$/,
    handler: async (lab) => [200, lessonParts(lab).console.state()],
  },
  {
    method: 'POST',
    pattern: /^\/api\/redis\/console$/,
    handler: async (lab, _p, body) => {
      const connection = field.requiredString(body, 'connection', ID);
      return [200, await lessonParts(lab).console.run(connection, body.args)];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/redis\/console$/,
    handler: async (lab) => {
      await lessonParts(lab).console.close();
      return [200, lessonParts(lab).console.state()];
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/plain-app$/,
    handler: async (lab) => [200, lessonParts(lab).plainApp.state()],
  },
  {
    method: 'POST',
    pattern: /^\/api\/plain-app$/,
    handler: async (lab, _p, body) => {
      const start = { guard: flag(body, 'guard'), offlineQueue: flag(body, 'offlineQueue') };
      return [201, await lessonParts(lab).plainApp.start(start)];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/plain-app\/emit$/,
    handler: async (lab, _p, body) => {
      const text = field.requiredString(body, 'text').slice(0, TEXT_MAX);
      return [200, lessonParts(lab).plainApp.emit(text)];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/plain-app$/,
    handler: async (lab) => {
      await lessonParts(lab).plainApp.stop();
      return [200, lessonParts(lab).plainApp.state()];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/clients\/emit-together$/,
    handler: async (lab, _p, body) => {
      const list = field.optionalArray(body, 'emits', 10) ?? [];
      if (list.length < 2) throw new HttpError(400, '"emits" lists at least two emits.', 'emits');
      const emits = list.map((item, i) => {
        const e = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
        const client = field.requiredString(e, 'client', ID);
        if (!lab.clients.get(client))
          throw new LabError(404, `There is no lab client "${client}" (emits[${i}]).`);
        return { client, event: eventName(e), args: field.optionalArray(e, 'args', 10) ?? [] };
      });
      // All sent before any is answered: each client's frame leaves in this same tick.
      const replies = emits.map((e) => lab.clients.emit(e.client, e.event, e.args));
      const answers = await Promise.all(replies);
      return [200, { emits: emits.map((e, i) => ({ ...e, reply: answers[i] })) }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/servers\/emit$/,
    handler: async (lab, _p, body) => {
      const event = eventName(body);
      const args = field.optionalArray(body, 'args', 10) ?? [];
      const local = flag(body, 'local');
      return [200, { event, local, servers: serversEmit(lab, event, args, local) }];
    },
  },
];
