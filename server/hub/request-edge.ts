/**
 * The edge of the hub's HTTP server: whatever a request holds, it gets an answer and the lab
 * lives on. Reads need no token, so with `--host 0.0.0.0` anyone on the network can send
 * anything; one request that throws past here would end the class (issue 19).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from './http-json.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** The request's target as a URL; a target that is not one (`//:99999`) is a 400. */
export function targetOf(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://hub');
  } catch {
    throw new HttpError(400, 'The request target is not a valid URL path.');
  }
}

/** decodeURIComponent, with malformed percent-encoding (`%zz`, `%E0%A4%A`) as a 400. */
export function decodePart(part: string, what = 'The path'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `${what} has malformed percent-encoding (%xx); encode it again.`);
  }
}

/**
 * Answers an error that reached the edge: an HttpError with its status, anything else as a 500
 * that says so. JSON for the API, a line of text for pages.
 */
function answer(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = err instanceof HttpError;
  const status = known ? err.status : 500;
  const message = known
    ? err.message
    : `The hub could not answer that: ${(err as Error)?.message ?? String(err)}`;
  if ((req.url ?? '').includes('/api/')) sendJson(res, status, { error: message });
  else res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

/**
 * Wraps the hub's request listener: the target is parsed once (a bad one is a 400), and nothing
 * the handler throws, at once or later, escapes; a stream error on either side ends only that
 * request.
 */
export function guardRequests(
  handler: Handler,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    try {
      const done = handler(req, res, targetOf(req));
      if (done) done.catch((err: unknown) => answer(req, res, err));
    } catch (err) {
      answer(req, res, err);
    }
  };
}
