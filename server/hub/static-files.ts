/** Serves the built page (dist/web), or a short page that says how to build it. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodePart, targetOf } from './request-edge.ts';

// Two levels up from server/hub/ and, as it happens, from the bundle in dist/server/ that
// `npm start` runs (server/launch.mjs): keep both true if either moves.
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = path.join(REPO_ROOT, 'dist', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown; charset=utf-8',
};

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>Fanout Lab</title>
<body style="font:18px system-ui;max-width:40em;margin:3em auto">
<h1>Fanout Lab</h1><p>The lab is running, but its page has not been built.
Run <code>npm run build</code>, then reload. The control API is at <a href="/api/lab">/api/lab</a>.</p>`;

/** Pages of the build other than the lab page (vite.config.ts lists them): the phone page. */
const PAGES: Record<string, string> = { '/join': 'join.html', '/join/': 'join.html' };

/** `url` is the request's target, parsed by the hub's edge (request-edge.ts). */
export function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  url: URL = targetOf(req),
): void {
  const page = PAGES[url.pathname];
  const wanted = path.normalize(path.join(root, page ?? decodePart(url.pathname)));
  // Nothing outside the build folder, whatever the path says.
  const inside = wanted.startsWith(root + path.sep) || wanted === root;
  let file =
    inside && existsSync(wanted) && statSync(wanted).isFile()
      ? wanted
      : path.join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PLACEHOLDER);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('Only GET here.\n');
    return;
  }
  file = path.resolve(file);
  const headers: Record<string, string> = {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    // Hashed assets can be cached for good; index.html must be fresh to pick them up.
    'cache-control': file.includes(`${path.sep}assets${path.sep}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
  };
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  // A file removed or unreadable between the check and the read ends this answer only.
  else
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
}
