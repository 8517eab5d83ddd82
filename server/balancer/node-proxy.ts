/**
 * The balancer for machines without nginx: a plain node:http server that passes each request on
 * with http-proxy-3 (the maintained rewrite of http-proxy), WebSocket upgrades included. It does
 * what the nginx config does (nginx-config.ts), so the servers see the same requests: the same
 * X-Lab-Balancer header, the same cookie in sticky mode, the same round-robin order.
 *
 * One difference: when the server it picked refuses the connection (it stopped a moment before
 * the lab marked it down), nginx tries the next one and this proxy answers 502.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import {
  BALANCER_HEADER,
  READ_TIMEOUT_S,
  STICKY_COOKIE,
  stickyTarget,
  upstreamHost,
  type BalancerMode,
  type Upstream,
} from './balancer-modes.ts';
import { STATUS_PATH } from './nginx-config.ts';

export class NodeProxy {
  private readonly server: http.Server;
  private readonly proxy = createProxyServer({
    ws: true,
    xfwd: true,
    proxyTimeout: READ_TIMEOUT_S * 1000,
  });
  private mode: Exclude<BalancerMode, 'off'> = 'round-robin';
  private servers: Upstream[] = [];
  private generation = 0;
  /** Round-robin's position, over the up servers, as nginx keeps it. */
  private next = 0;
  /** Every client connection, upgraded ones too (the HTTP server forgets those), for close(). */
  private readonly sockets = new Set<Duplex>();

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.server = http.createServer((req, res) => this.web(req, res));
    this.server.on('upgrade', (req, socket, head) => this.ws(req, socket, head));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.proxy.on('proxyRes', (proxyRes, req) => {
      const picked = (req as PickedRequest).picked;
      if (this.mode !== 'sticky' || !picked) return;
      const cookie = `${STICKY_COOKIE}=${picked}; Path=/; HttpOnly; SameSite=Lax`;
      const prior = proxyRes.headers['set-cookie'] ?? [];
      proxyRes.headers['set-cookie'] = [...prior, cookie];
    });
  }

  /** Takes a new mode and list of servers at once (nginx needs a reload for it). */
  configure(mode: Exclude<BalancerMode, 'off'>, servers: Upstream[], generation: number): void {
    this.mode = mode;
    this.servers = servers.map((s) => ({ ...s }));
    this.generation = generation;
    this.next = 0;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        // Errors of a running proxy (a client that goes away) must not end the lab.
        this.server.on('error', () => undefined);
        resolve();
      });
    });
  }

  private pick(req: http.IncomingMessage): Upstream | undefined {
    if (this.mode === 'sticky') {
      const named = stickyTarget(req.headers.cookie, this.servers);
      if (named) return named;
    }
    const up = this.servers.filter((s) => s.up);
    if (up.length === 0) return undefined;
    const server = up[this.next % up.length];
    this.next = (this.next + 1) % up.length;
    return server;
  }

  private target(server: Upstream): string {
    const host = upstreamHost(this.host);
    return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  }

  private web(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === STATUS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ mode: this.mode, generation: this.generation }));
      return;
    }
    const server = this.pick(req);
    if (!server) return void refuse(res, 'no server of the lab is up behind the balancer');
    (req as PickedRequest).picked = server.id;
    req.headers[BALANCER_HEADER] = this.mode;
    this.proxy.web(req, res, { target: this.target(server) }, (err) =>
      refuse(res, `${server.id} did not answer (${err.message})`),
    );
  }

  private ws(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const server = this.pick(req);
    if (!server) return void socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
    req.headers[BALANCER_HEADER] = this.mode;
    this.proxy.ws(req, socket, head, { target: this.target(server) }, () => socket.destroy());
  }

  /** Like nginx's fast shutdown: every connection is closed, WebSockets too. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.proxy.close();
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}

interface PickedRequest extends http.IncomingMessage {
  picked?: string;
}

function refuse(res: http.ServerResponse, why: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(502, { 'content-type': 'text/plain' });
  res.end(`Fanout Lab's balancer: ${why}.\n`);
}
