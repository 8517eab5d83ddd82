/**
 * Clients living in this page: real socket.io-client sockets connected straight to a server's
 * port, like a browser tab of the original demo, or through the lab's balancer; over WebSocket,
 * or long-polling first. They report what they receive to the hub (so step 10 shows for them)
 * and answer `ack request` callbacks.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientTransports } from '../../../trace/lab-info.ts';
import type { LabConnection } from './lab-connection.svelte.ts';

/** How a page client connects: straight to its server, or through the balancer. */
export interface PageRoute {
  via: 'server' | 'balancer';
  transports: ClientTransports;
}

export interface PageClient {
  id: string;
  server: string;
  port: number;
  socketId?: string;
  state: 'connecting' | 'connected' | 'disconnected';
  rooms: string[];
  received: number;
  /** The last thing it heard, as text (never rendered as HTML). */
  last?: string;
  /** The last reply or refusal from its server. */
  note?: string;
  /** Through the balancer, which picked `server` (empty until it connects). */
  via?: 'balancer';
  /** Long-polling first, then the upgrade (absent: WebSocket only). */
  transports?: ClientTransports;
}

/**
 * Page clients are named in one series for the whole lab, p1, p2, p3, so a class can read them
 * aloud: the next is one past the highest the lab lists (every page's) or this page holds.
 */
export function nextPageClientId(taken: Iterable<string>): string {
  let high = 0;
  for (const id of taken) {
    const m = /^p(\d+)$/.exec(id);
    if (m) high = Math.max(high, Number(m[1]));
  }
  return `p${high + 1}`;
}

export class PageClients {
  list = $state<PageClient[]>([]);
  /** When each page client last emitted, for the emit-to-frame latency. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly sentAt = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  private sockets = new Map<string, Socket>();
  /** Why the list was emptied, when the page did it (the lab was rebuilt). */
  notice = $state<string | null>(null);

  constructor(
    private readonly lab: LabConnection,
    private readonly host = typeof location !== 'undefined' ? location.hostname : '127.0.0.1',
  ) {}

  private update(id: string, patch: Partial<PageClient>): void {
    const c = this.list.find((x) => x.id === id);
    if (c) Object.assign(c, patch);
    this.report();
  }

  private report(): void {
    this.lab.reportPageClients(
      this.list.map((c) => ({
        id: c.id,
        server: c.server,
        socketId: c.socketId,
        rooms: [...c.rooms],
        state: c.state === 'connected' ? 'connected' : 'disconnected',
        via: c.via,
        transports: c.transports,
      })),
    );
  }

  /** A client on `server` at `port`; through the balancer, `port` is the balancer's. */
  add(
    server: string,
    port: number,
    route: PageRoute = { via: 'server', transports: ['websocket'] },
  ): string {
    const balanced = route.via === 'balancer';
    const listed = (this.lab.lab?.clients ?? []).map((c) => c.id);
    const id = nextPageClientId([...listed, ...this.list.map((c) => c.id)]);
    this.notice = null;
    this.list.push({
      id,
      server: balanced ? '' : server,
      port,
      state: 'connecting',
      rooms: [],
      received: 0,
      ...(balanced ? { via: 'balancer' as const } : {}),
      ...(route.transports.length > 1 ? { transports: route.transports } : {}),
    });
    const socket = io(`${location.protocol}//${this.host}:${port}`, {
      transports: [...route.transports],
      // The browser keeps the sticky balancer's cookie only for credentialed requests.
      withCredentials: balanced,
      auth: { labClient: id, labKind: 'page' },
      query: { labClient: id },
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    this.sockets.set(id, socket);
    socket.on('connect', () => {
      this.update(id, { state: 'connected', socketId: socket.id });
      // The balancer picked the server: ask it which one it is.
      if (balanced)
        socket.emit('whoami', (r: { server?: string }) => this.update(id, { server: r?.server }));
      // Rooms live on the server: after a reconnect, join them again.
      const c = this.list.find((x) => x.id === id);
      for (const room of c?.rooms ?? []) socket.emit('join', room);
    });
    socket.on('disconnect', () => this.update(id, { state: 'disconnected' }));
    socket.on('ack request', (_msg: unknown, cb?: (reply: unknown) => void) => {
      if (typeof cb === 'function') cb({ from: id });
    });
    socket.onAny((event: string, ...raw: unknown[]) => {
      const args = raw.filter((a) => typeof a !== 'function');
      const c = this.list.find((x) => x.id === id);
      if (!c) return;
      c.received += 1;
      c.last = `${event}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')}`;
      if (event === 'rate limited' || event === 'lab error') c.note = c.last;
      this.lab.reportReceipt({
        client: id,
        socketId: socket.id ?? '',
        server: c.server,
        event,
        args: args.slice(0, 5),
      });
    });
    this.report();
    return id;
  }

  remove(id: string): void {
    this.sockets.get(id)?.close();
    this.sockets.delete(id);
    this.list = this.list.filter((c) => c.id !== id);
    this.report();
  }

  private emit(id: string, event: string, ...args: unknown[]): Socket | undefined {
    const socket = this.sockets.get(id);
    if (!socket) return undefined;
    this.sentAt.set(socket.id ?? id, performance.now());
    socket.emit(event, ...args);
    return socket;
  }

  chat(id: string, text: string): void {
    this.emit(id, 'chat message', text);
  }

  roomMessage(id: string, room: string, text: string): void {
    this.emit(id, 'room message', room, text);
  }

  join(id: string, room: string, leave = false): void {
    this.emit(id, leave ? 'leave' : 'join', room, (reply: { rooms?: string[]; error?: string }) => {
      if (reply?.error) this.update(id, { note: reply.error });
      else if (reply?.rooms) this.update(id, { rooms: reply.rooms, note: undefined });
    });
  }

  serverPing(id: string, text: string): void {
    this.emit(id, 'server ping', text, () => undefined);
  }

  countSockets(id: string): void {
    this.emit(id, 'count sockets', (reply: { count?: number; error?: string }) =>
      this.update(id, {
        note: reply?.error ?? `fetchSockets saw ${reply?.count ?? 0} sockets on every server`,
      }),
    );
  }

  ackBroadcast(id: string, text: string): void {
    this.emit(id, 'ack broadcast', text, (reply: { responses?: number; error?: string }) =>
      this.update(id, {
        note: reply?.error
          ? `ack broadcast: ${reply.error}`
          : `ack broadcast: ${reply?.responses ?? 0} clients answered`,
      }),
    );
  }

  /** When this page's socket `socketId` last emitted (once: it is forgotten). */
  takeSent(socketId: string): number | undefined {
    const sent = this.sentAt.get(socketId);
    this.sentAt.delete(socketId);
    return sent;
  }

  /** Closes and forgets every page client, saying why. */
  removeAll(why: string): void {
    if (this.list.length === 0) return;
    this.closeAll();
    this.list = [];
    this.notice = why;
    this.report();
  }

  closeAll(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
