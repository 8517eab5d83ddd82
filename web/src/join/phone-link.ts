/**
 * A student's phone, without its page: it joins the class through the hub, then talks to its own
 * server's port as an ordinary Socket.IO client (the seed's step 2, on the student's device),
 * while the hub's `/class` namespace tells it where it belongs and what happens to the class.
 * Plain TypeScript, no framework: the phone page wraps it, and the tests and the benchmark drive
 * hundreds of them from Node exactly as the page does.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { apiCalls, type ApiCall, type ApiRefusal } from '../../../trace/api-calls.ts';
import type {
  Dismissal,
  JoinAnswer,
  MissedReport,
  PhoneView,
  SignedMessage,
} from '../../../trace/phone-protocol.ts';

export type LinkState = 'out' | 'connecting' | 'connected' | 'away' | 'removed';

export interface Received {
  n: number;
  event: 'chat message' | 'room message';
  text: string;
  /** The sender's nickname, when a phone sent it (its server signs it). */
  name?: string;
  /** The server of the phone that sent it. */
  from?: string;
  /** The server it reached this phone through. */
  via: string;
  room?: string;
}

/** Sends one typed call of the control API (trace/api-calls.ts) and answers its status and body. */
export type Send = <R>(call: ApiCall<R>) => Promise<{ status: number; body: R | ApiRefusal }>;

export interface PhoneLinkOptions {
  /** The hub's origin: '' in the phone page (same origin), a URL from Node. */
  hubUrl: string;
  /** The host name the phone reached the hub by: its servers are on the same machine. */
  serverHost: string;
  /** How calls reach the hub: `fetch` unless given (the tests bind a local address). */
  send?: Send;
  /** Extra Socket.IO options for both connections (Node tests bind a local address). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Called after anything the page shows changed. */
  onChange?: () => void;
  /** Messages kept for the list (all are counted). */
  keep?: number;
}

export const ROOM = /^[\w:.-]{1,64}$/;

const fetchSend =
  (hubUrl: string): Send =>
  async ({ method, path, body }) => {
    const res = await fetch(`${hubUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => ({})) };
  };

export class PhoneLink {
  me: JoinAnswer | null = null;
  view: PhoneView | null = null;
  state: LinkState = 'out';
  rooms: string[] = [];
  received: Received[] = [];
  receivedCount = 0;
  missed: MissedReport | null = null;
  /** The last thing the phone's server or the hub refused, in their words. */
  note: string | null = null;
  dismissed: string | null = null;
  private server: Socket | null = null;
  private hub: Socket | null = null;
  private at: { server: string; port: number } | null = null;

  constructor(private readonly options: PhoneLinkOptions) {}

  private changed(): void {
    this.options.onChange?.();
  }

  /** Asks the hub for a place; the sentence it answered when it refused. */
  async join(name: string): Promise<string | null> {
    const send = this.options.send ?? fetchSend(this.options.hubUrl);
    let answer: { status: number; body: JoinAnswer | ApiRefusal };
    try {
      answer = await send(apiCalls.join(name));
    } catch {
      return 'The lab did not answer: is this phone on the same Wi-Fi as the lab?';
    }
    if (answer.status !== 201)
      return (answer.body as ApiRefusal)?.error ?? `The lab answered ${answer.status}.`;
    this.start(answer.body as JoinAnswer);
    return null;
  }

  /** Takes up a place: just given by the hub, or kept by a reloaded page. */
  start(me: JoinAnswer): void {
    this.close();
    this.me = me;
    this.dismissed = null;
    this.state = 'connecting';
    // Each connection of its own (forceNew), as on a real device, even with many links in one process.
    const hub = io(`${this.options.hubUrl}/class`, {
      ...this.options.socketOptions,
      forceNew: true,
      transports: ['websocket'],
      auth: { student: me.id, key: me.key },
    });
    hub.on('class', (view: PhoneView) => {
      this.view = view;
      if (view.server !== this.at?.server || view.port !== this.at?.port) this.connect(view);
      this.changed();
    });
    hub.on('missed', (report: MissedReport) => {
      this.missed = report;
      this.changed();
    });
    hub.on('removed', (d: Dismissal) => this.dismiss(d.why));
    hub.on('connect_error', (err: Error & { data?: { reason?: string } }) => {
      if (err.data?.reason === 'removed') this.dismiss(err.message);
    });
    this.hub = hub;
    this.connect(me);
  }

  /** Connects to the server the phone belongs on, leaving the one it was on. */
  private connect(place: { server: string; port: number }): void {
    const me = this.me!;
    this.server?.close();
    this.at = { server: place.server, port: place.port };
    const via = place.server;
    const socket = io(`http://${this.options.serverHost}:${place.port}`, {
      ...this.options.socketOptions,
      forceNew: true,
      transports: ['websocket'],
      auth: { student: me.id, key: me.key, labClient: me.name },
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
    });
    socket.on('connect', () => {
      this.state = 'connected';
      // Rooms live on the server, and a new connection has none: join them again.
      for (const room of this.rooms) socket.emit('join', room);
      this.changed();
    });
    socket.on('disconnect', () => {
      if (this.state !== 'removed') this.state = 'away';
      this.missed = null;
      this.changed();
    });
    socket.on('connect_error', (err: Error & { data?: { reason?: string } }) => {
      if (err.data?.reason === 'removed') this.dismiss(err.message);
      else if (this.state === 'connected') this.state = 'away';
    });
    socket.on('chat message', (msg: unknown) => this.receive('chat message', msg, via));
    socket.on('room message', (room: unknown, msg: unknown) =>
      this.receive('room message', msg, via, String(room)),
    );
    socket.on('lab error', (e: { error?: string }) => this.noteThat(e?.error));
    socket.on('rate limited', () =>
      this.noteThat('Slow down: your server drops messages sent this fast.'),
    );
    this.server = socket;
  }

  private receive(event: Received['event'], msg: unknown, via: string, room?: string): void {
    const signed =
      msg && typeof msg === 'object' && typeof (msg as SignedMessage).text === 'string'
        ? (msg as SignedMessage)
        : null;
    const item: Received = {
      n: ++this.receivedCount,
      event,
      text: signed ? signed.text : typeof msg === 'string' ? msg : JSON.stringify(msg),
      name: signed ? String(signed.name) : undefined,
      from: signed ? String(signed.server) : undefined,
      via,
      room,
    };
    this.received.unshift(item);
    if (this.received.length > (this.options.keep ?? 100)) this.received.pop();
    this.changed();
  }

  private noteThat(text: string | undefined): void {
    this.note = text ?? null;
    this.changed();
  }

  private dismiss(why: string): void {
    this.close();
    this.state = 'removed';
    this.dismissed = why;
    this.changed();
  }

  send(text: string, room?: string): void {
    const body = text.trim().slice(0, 200);
    if (!body || !this.server) return;
    this.note = null;
    if (room) this.server.emit('room message', room, body);
    else this.server.emit('chat message', body);
  }

  /** Joins or leaves a room on its server; the server answers the rooms it is in. */
  room(room: string, leave = false): void {
    if (!ROOM.test(room)) {
      this.noteThat('A room name is 1-64 letters, digits, _ : . or -.');
      return;
    }
    this.server?.emit(
      leave ? 'leave' : 'join',
      room,
      (reply: { rooms?: string[]; error?: string }) => {
        if (reply?.error) this.noteThat(reply.error);
        else if (reply?.rooms) {
          this.rooms = reply.rooms;
          this.changed();
        }
      },
    );
  }

  vote(choice: number): void {
    const vote = this.view?.vote;
    if (!vote || !this.hub) return;
    this.hub.emit('vote', { vote: vote.id, choice }, (reply: { error?: string }) =>
      this.noteThat(reply?.error),
    );
  }

  close(): void {
    this.server?.close();
    this.hub?.close();
    this.server = null;
    this.hub = null;
    this.at = null;
  }
}
