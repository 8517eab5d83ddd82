// The class bench's baseline for the phone page's load: the same built files served by a plain
// node:http program with none of the lab's code. Usage: node bench/plain-static.mjs <dir> <port>
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const [root, port] = process.argv.slice(2);
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

http
  .createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname === '/join' ? 'join.html' : path.normalize(url.pathname).slice(1);
    try {
      const body = await readFile(path.join(root, name));
      res.writeHead(200, {
        'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  })
  .listen(Number(port), '127.0.0.1');
