/**
 * The hub: one HTTP server for the page, the control API and the `/lab` Socket.IO namespace
 * that pushes the lab's state and the monitor feed to pages. `/lab` only reads: every change,
 * a page's reports of its clients included, goes through the control API.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { Server, type Socket } from 'socket.io';
import type { Envelope } from '../../trace/events.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import { Lab } from '../lab.ts';
import { PortInUseError } from '../server-node.ts';
import { sendToViewers } from '../monitor/viewer-relay.ts';
import { handleApi } from './api-routes.ts';
import { isLoopback, tokenMatches, tokenOf } from './auth.ts';
import { serveStatic, WEB_ROOT } from './static-files.ts';
import { guardRequests } from './request-edge.ts';

export interface HubOptions {
  port: number;
  host: string;
  /** Required when the host is not loopback. */
  token?: string;
  webRoot?: string;
}

export class Hub {
  readonly http: http.Server;
  readonly io: Server;
  private readonly exposed: boolean;

  constructor(
    readonly lab: Lab,
    readonly options: HubOptions,
  ) {
    this.exposed = !isLoopback(options.host);
    if (this.exposed && !options.token) throw new Error('An exposed hub needs a token.');
    const webRoot = options.webRoot ?? WEB_ROOT;
    this.http = http.createServer(
      guardRequests((req, res, url) =>
        url.pathname.startsWith('/api/')
          ? handleApi(lab, req, res, url, (r) => this.authorized(tokenOf(r)))
          : serveStatic(req, res, webRoot, url),
      ),
    );
    // Node's parser refuses what it cannot read (raw non-ASCII bytes in the target, a broken
    // header) before any handler runs; its bare 400 was the one API error without a sentence.
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify({
        error: tooBig
          ? 'The request headers are too large for the hub; send fewer or shorter headers.'
          : 'The hub could not read that request: send a request target of ASCII characters (percent-encode the rest) and well-formed headers.',
      });
      socket.end(
        `HTTP/1.1 ${tooBig ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    this.io = new Server(this.http);
    this.attachLabNamespace();
  }

  authorized(token: unknown): boolean {
    return !this.exposed || tokenMatches(token, this.options.token!);
  }

  get webBuilt(): boolean {
    return existsSync(`${this.options.webRoot ?? WEB_ROOT}/index.html`);
  }

  private attachLabNamespace(): void {
    const nsp = this.io.of('/lab');
    const onChange = (info: LabInfo) => nsp.emit('lab', info);
    const onTrace = (envelope: Envelope, json: string) =>
      sendToViewers(nsp, envelope, this.lab.options.monitorChannel, json);
    this.lab.on('change', onChange);
    this.lab.on('trace', onTrace);
    nsp.on('connection', (socket: Socket) => {
      // The lab as it stands before the recent events, then those events: a page opened late
      // draws the same stage as one open from the start (server/standing-state.ts).
      socket.emit('hello', { lab: this.lab.info(), ...this.lab.feed.standing.hello() });
      // The socket only reads: what the page reports goes through the control API
      // (page-reports.ts), which knows the page by this socket's id while it is connected.
      this.lab.pages.opened(socket.id, socket.handshake.address);
      socket.on('disconnect', () => {
        this.lab.pages.closed(socket.id);
        if (this.lab.pageClients.delete(socket.id)) this.lab.changed();
        // A page that held a lesson and went away lets go of the lab.
        const holder = socket.handshake.auth?.holder;
        if (typeof holder === 'string') this.lab.lessons.release(holder);
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(this.options.port, '--port') : err),
      );
      this.http.listen(this.options.port, this.options.host, () => resolve());
    });
  }

  get port(): number {
    const address = this.http.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async close(): Promise<void> {
    this.lab.removeAllListeners('change');
    this.lab.removeAllListeners('trace');
    await this.io.close();
    this.http.closeAllConnections();
  }
}
