/**
 * Headless lab clients: real socket.io-client connections made by the hub. They connect over
 * WebSocket (step 2 of the walkthrough), or long-polling first and then the upgrade, straight to
 * a server or through the lab's balancer; reconnect with socket.io-client's own backoff to the
 * same URL (a page talks to one URL, and nothing moves it), answer ack requests, and report
 * every event they receive so step 10 shows.
 */
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientTransports, LabInfo } from '../trace/lab-info.ts';
import { LabError } from './lab-error.ts';

export type LabClientInfo = LabInfo['clients'][number];

/** How a client connects: straight to its server (the default) or through the balancer. */
export interface ClientRoute {
  via: 'server' | 'balancer';
  transports: ClientTransports;
}

export const DIRECT: ClientRoute = { via: 'server', transports: ['websocket'] };

export interface Receipt {
  client: string;
  server: string;
  socketId: string;
  event: string;
  args: unknown[];
}

interface Entry {
  info: LabClientInfo;
  socket: Socket;
}

export interface LabClientsOptions {
  urlOf: (server: string) => string;
  /** Where clients that come through the balancer connect. */
  balancerUrl: () => string;
  /** The server that holds a socket (of namespace `nsp`), for clients the balancer placed. */
  serverOf: (socketId: string, nsp: string) => string | undefined;
  onReceive: (receipt: Receipt) => void;
  onChange: () => void;
}

export const MAX_LAB_CLIENTS = 200;

export class LabClients {
  private readonly entries = new Map<string, Entry>();
  private next = 1;

  constructor(private readonly options: LabClientsOptions) {}

  get size(): number {
    return this.entries.size;
  }

  list(): LabClientInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info, rooms: [...e.info.rooms] }));
  }

  get(id: string): LabClientInfo | undefined {
    return this.entries.get(id)?.info;
  }

  /**
   * Connects one client (to namespace `nsp`) and resolves once it is connected, or after 5 s
   * still trying; one through the balancer, once its first attempt connected or failed (behind
   * round-robin, a polling client fails over and over, and that is what the lesson shows).
   */
  async add(
    server: string,
    rooms: string[] = [],
    nsp = '/',
    route: ClientRoute = DIRECT,
  ): Promise<LabClientInfo> {
    const id = `c${this.next++}`;
    const balanced = route.via === 'balancer';
    const url = balanced ? this.options.balancerUrl() : this.options.urlOf(server);
    const socket = connect(`${url}${nsp === '/' ? '' : nsp}`, {
      transports: [...route.transports],
      // Keeps the cookies the balancer sets (engine.io-client's cookie jar, in Node): sticky
      // mode's lab_server cookie is how it sends the session's next request to the same server.
      withCredentials: balanced,
      auth: { labClient: id, labKind: 'lab' },
      query: { labClient: id },
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
    });
    const info: LabClientInfo = {
      id,
      kind: 'lab',
      server: balanced ? '' : server,
      state: 'disconnected',
      rooms: [...rooms],
      ...(nsp === '/' ? {} : { nsp }),
      ...(balanced ? { via: 'balancer' as const } : {}),
      ...(route.transports.length > 1 ? { transports: route.transports } : {}),
    };
    this.entries.set(id, { info, socket });
    socket.on('connect', () => {
      info.state = 'connected';
      info.socketId = socket.id;
      // The balancer picked the server; the socket's id says which (the same id on both ends).
      if (balanced) info.server = this.options.serverOf(socket.id ?? '', nsp) ?? info.server;
      // Rooms live on the server, so a reconnected socket joins them again, as an app would.
      for (const room of info.rooms) socket.emit('join', room);
      this.options.onChange();
    });
    socket.on('disconnect', () => {
      info.state = 'disconnected';
      this.options.onChange();
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (event === 'ack request' && typeof ack === 'function') ack({ from: id });
      this.options.onReceive({
        client: id,
        server: info.server,
        socketId: socket.id ?? '',
        event,
        args: args.filter((a) => typeof a !== 'function'),
      });
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('connect', done);
      if (balanced) socket.once('connect_error', done);
    });
    return info;
  }

  /**
   * Connects `count` clients one after another, each to the server `pick` names then (the least
   * loaded, say); at most MAX_LAB_CLIENTS in all.
   */
  async addMany(
    count: number,
    rooms: string[],
    nsp: string,
    pick: () => string,
    route: ClientRoute = DIRECT,
  ): Promise<LabClientInfo[]> {
    if (this.size + count > MAX_LAB_CLIENTS)
      throw new LabError(
        409,
        `At most ${MAX_LAB_CLIENTS} lab clients; there are ${this.size} already.`,
        'count',
      );
    const made: LabClientInfo[] = [];
    for (let i = 0; i < count; i++)
      made.push(await this.add(route.via === 'balancer' ? '' : pick(), rooms, nsp, route));
    return made;
  }

  remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.socket.removeAllListeners();
    entry.socket.disconnect();
    this.entries.delete(id);
    this.options.onChange();
    return true;
  }

  /** Makes the client emit; join/leave keep the client's room list so reconnects rejoin. */
  emit(id: string, event: string, args: unknown[]): Promise<unknown> {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`no client ${id}`);
    if (event === 'join' && typeof args[0] === 'string' && !entry.info.rooms.includes(args[0]))
      entry.info.rooms.push(args[0]);
    if (event === 'leave') entry.info.rooms = entry.info.rooms.filter((r) => r !== args[0]);
    if (
      [
        'join',
        'leave',
        'everyone join',
        'count sockets',
        'ack broadcast',
        'whoami',
        'server ping',
      ].includes(event)
    ) {
      // These answer through an ack; wait for it (bounded) so the API can return the answer.
      return entry.socket
        .timeout(7000)
        .emitWithAck(event, ...args)
        .catch((err: Error) => ({ error: err.message }));
    }
    entry.socket.emit(event, ...args);
    return Promise.resolve({ sent: true });
  }

  /**
   * `count` chat messages of `bytes` characters from client `id`, paced at `perSecond` (the
   * servers' flood limit per socket) so that every one goes out: a burst of broadcasts big
   * enough to fill a slow subscriber's output buffer in Redis. Answers what was sent.
   */
  async burst(id: string, count: number, bytes: number, perSecond: number) {
    for (let i = 1; i <= count; i++) {
      if (!this.entries.has(id)) return { sent: i - 1, bytes };
      void this.emit(id, 'chat message', [`burst ${i}/${count} `.padEnd(bytes, '.')]);
      if (i < count) await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
    return { sent: count, bytes };
  }

  /** Disconnects every client; `renumber` starts ids at c1 again (a lab rebuilt from scratch). */
  removeAll(renumber = false): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
    if (renumber) this.next = 1;
  }
}
