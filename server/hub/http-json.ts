/** Small JSON helpers for the hub's API: bounded bodies and errors that say what to do. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY = 64 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Reads a JSON object body; an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new HttpError(413, `The body is over ${MAX_BODY / 1024} KiB; send less.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body is not valid JSON; send an object like {"count": 2}.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Field checks that name the field and say what it should be. */
export const field = {
  optionalString(
    body: Record<string, unknown>,
    name: string,
    pattern?: RegExp,
  ): string | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
      throw new HttpError(
        400,
        `"${name}" must be a string${pattern ? ` matching ${pattern}` : ''}.`,
        name,
      );
    }
    return v;
  },
  requiredString(body: Record<string, unknown>, name: string, pattern?: RegExp): string {
    const v = field.optionalString(body, name, pattern);
    if (v === undefined) throw new HttpError(400, `"${name}" is required.`, name);
    return v;
  },
  optionalInt(
    body: Record<string, unknown>,
    name: string,
    min: number,
    max: number,
  ): number | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new HttpError(400, `"${name}" must be a whole number from ${min} to ${max}.`, name);
    }
    return v;
  },
  optionalChoice<T extends string>(
    body: Record<string, unknown>,
    name: string,
    choices: readonly T[],
  ): T | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !choices.includes(v as T))
      throw new HttpError(400, `"${name}" must be one of ${choices.join(', ')}.`, name);
    return v as T;
  },
  optionalArray(body: Record<string, unknown>, name: string, max: number): unknown[] | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length > max)
      throw new HttpError(400, `"${name}" must be an array of at most ${max} items.`, name);
    return v;
  },
};
