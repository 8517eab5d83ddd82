/**
 * The class's routes (docs/api.md "The class"). `POST /api/join` is the only open change of the
 * whole API: a phone holds no token. Everything else is the teacher's, and needs the token.
 */
import type { Route } from '../hub/api-routes.ts';
import { HttpError, field } from '../hub/http-json.ts';
import { classroomOf } from './classroom.ts';

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const OPEN_PAUSED = ['open', 'paused'] as const;
const QUESTION_MAX = 300;
const CHOICE_MAX = 200;

function text(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw new HttpError(400, `"${name}" must be a text of 1 to ${max} characters.`, name);
  return value.trim();
}

export const classRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/join$/,
    open: true,
    handler: async (lab, _p, body, _q, req) => {
      const student = classroomOf(lab).join(body.name, req.socket.remoteAddress ?? '');
      const { id, name, server, port, key } = student;
      return [201, { id, name, server, port, key }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/class$/,
    handler: async (lab, _p, body) => {
      const placement = body.placement;
      if (
        placement !== undefined &&
        placement !== null &&
        !(typeof placement === 'string' && ID.test(placement))
      )
        throw new HttpError(
          400,
          '"placement" must be a server id such as "s2", or null for round-robin.',
          'placement',
        );
      return [
        200,
        classroomOf(lab).configure({
          joining: field.optionalChoice(body, 'joining', OPEN_PAUSED),
          chat: field.optionalChoice(body, 'chat', OPEN_PAUSED),
          placement: placement as string | null | undefined,
        }),
      ];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/class\/students$/,
    handler: async (lab) => [200, { removed: classroomOf(lab).clear() }],
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/class\/students\/([^/]+)$/,
    handler: async (lab, [id]) => {
      const { name } = classroomOf(lab).remove(id);
      return [200, { removed: id, name }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/class\/vote$/,
    handler: async (lab, _p, body) => {
      const question = text(body.question, 'question', QUESTION_MAX);
      const list = field.optionalArray(body, 'choices', 8);
      if (!list || list.length < 2)
        throw new HttpError(400, '"choices" must hold 2 to 8 choices.', 'choices');
      const choices = list.map((c, i) => text(c, `choices[${i}]`, CHOICE_MAX));
      const lesson = field.optionalString(body, 'lesson', ID);
      const step = field.optionalInt(body, 'step', 0, 1000);
      const from = lesson === undefined ? undefined : { id: lesson, step: step ?? 0 };
      return [201, classroomOf(lab).openVote(question, choices, from)];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/class\/vote\/close$/,
    handler: async (lab, _p, body) => {
      if (body.fits === undefined) return [200, classroomOf(lab).closeVote()];
      const fits = field.optionalArray(body, 'fits', 8)!;
      if (!fits.every((i) => Number.isInteger(i) && (i as number) >= 0))
        throw new HttpError(400, '"fits" must hold the numbers of the choices that fit.', 'fits');
      const observed = text(body.observed, 'observed', CHOICE_MAX);
      return [200, classroomOf(lab).closeVote({ fits: fits as number[], observed })];
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/class\/vote$/,
    handler: async (lab) => {
      classroomOf(lab).endVote();
      return [200, { vote: null }];
    },
  },
];
