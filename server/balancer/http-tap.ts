/**
 * The servers' side of HTTP (steps 1a and 1b): every engine.io request a server answers, and
 * every session that moves from long-polling to WebSocket. It listens where the server itself
 * hears the request (the HTTP server's `request` and `upgrade`, engine.io's `connection`,
 * `headers` and `connection_error`), so it reports the same thing behind nginx, behind the Node
 * proxy and with no balancer at all: the server that reports a request is the one the balancer
 * picked for it.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from 'socket.io';
import type { HttpRequest } from '../../trace/events.ts';
import type { DraftEvent } from '../monitor/monitor-sink.ts';
import { TokenBucket } from '../rate-limit.ts';
import { BALANCER_HEADER } from './balancer-modes.ts';

/**
 * HTTP events one server reports a second at most, in bursts of twice that. A polling client
 * failing behind round-robin makes about ten a second; a class of them is well under it, but two
 * hundred lab clients would drown the trace in them, so the ones over it are left out.
 */
export const HTTP_EVENTS_PER_S = 200;

/** What engine.io hands its events (only the parts read here). */
interface EngineSocket {
  id: string;
  request: IncomingMessage;
  on(event: 'upgrade', fn: (transport: { name: string }) => void): void;
}
interface EngineError {
  req: IncomingMessage;
  message: string;
}

interface Pending {
  query: URLSearchParams;
  started: number;
  upgrade: boolean;
  /** The sid a handshake opened (engine.io's `connection` names the request that made it). */
  opened?: string;
  /** engine.io's reason, when it refused the request. */
  refused?: string;
  reported?: boolean;
}

const ENGINE_PATH = '/socket.io/';

function queryOf(req: IncomingMessage): URLSearchParams | null {
  const url = req.url ?? '';
  if (!url.startsWith(ENGINE_PATH)) return null;
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

function balancerOf(req: IncomingMessage): HttpRequest['balancer'] {
  const mode = req.headers[BALANCER_HEADER];
  return mode === 'sticky' || mode === 'round-robin' ? mode : undefined;
}

function whatOf(req: IncomingMessage, p: Pending): HttpRequest['what'] {
  const sid = p.query.get('sid');
  if (p.upgrade) return sid ? 'upgrade' : 'handshake';
  if (req.method === 'POST') return 'send';
  return sid ? 'poll' : 'handshake';
}

/** Hooks one server life's HTTP server and engine; `emit` takes the events. */
export function attachHttpTap(io: Server, emit: (draft: DraftEvent) => void): void {
  // The lab's servers are plain node:http servers (server-node.ts).
  const http = io.httpServer as HttpServer | undefined;
  if (!http) return;
  const pending = new WeakMap<IncomingMessage, Pending>();
  const budget = new TokenBucket(HTTP_EVENTS_PER_S, 2 * HTTP_EVENTS_PER_S);

  const report = (req: IncomingMessage, status: number) => {
    const p = pending.get(req);
    if (!p || p.reported) return;
    p.reported = true;
    if (!budget.take()) return;
    const what = whatOf(req, p);
    emit({
      kind: 'http.request',
      // Whatever asks for a WebSocket (an upgrade, or a websocket-only client's handshake) is 1b.
      step: p.upgrade ? '1b' : '1a',
      what,
      method: req.method ?? 'GET',
      transport: p.query.get('transport') ?? '',
      sid: p.query.get('sid') ?? p.opened,
      status,
      error: p.refused,
      client: p.query.get('labClient') ?? undefined,
      balancer: balancerOf(req),
      ms: Date.now() - p.started,
    });
  };

  const track = (req: IncomingMessage, upgrade: boolean): boolean => {
    const query = queryOf(req);
    if (!query) return false;
    pending.set(req, { query, started: Date.now(), upgrade });
    return true;
  };

  // Listeners added after Socket.IO's own, so engine.io has taken the request first.
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!track(req, false)) return;
    // A poll is answered when the server has something to send; `close` comes either way, and a
    // request that was never answered (its client went away) is no answer to report.
    res.once('close', () => res.headersSent && report(req, res.statusCode));
  });
  http.on('upgrade', (req: IncomingMessage, _socket: Duplex) => {
    track(req, true);
  });

  const engine = io.engine as unknown as {
    on(event: 'connection', fn: (socket: EngineSocket) => void): void;
    on(event: 'headers', fn: (headers: unknown, req: IncomingMessage) => void): void;
    on(event: 'connection_error', fn: (err: EngineError) => void): void;
  };
  engine.on('connection', (socket) => {
    const p = pending.get(socket.request);
    if (p) p.opened = socket.id;
    socket.on('upgrade', (transport) =>
      emit({
        kind: 'transport.upgrade',
        sid: socket.id,
        from: 'polling',
        to: transport.name,
        client: p?.query.get('labClient') ?? undefined,
        balancer: balancerOf(socket.request),
      }),
    );
  });
  // For an upgrade, `headers` comes just before the 101 is written (polling answers are
  // reported when they end, above). A websocket-only client's handshake opens its session right
  // after, in the same tick: the report waits for it, to carry the new sid.
  engine.on('headers', (_headers, req) => {
    if (pending.get(req)?.upgrade) queueMicrotask(() => report(req, 101));
  });
  engine.on('connection_error', (err) => {
    const p = pending.get(err.req);
    if (!p) return;
    p.refused = err.message;
    // A refused upgrade gets its 400 written straight onto the socket, with no response object.
    if (p.upgrade) report(err.req, 400);
  });
}
