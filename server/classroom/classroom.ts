/**
 * Classroom mode: the students' phones are the lab's clients. The hub places each phone on a
 * server (class-roster.ts) and tells it what happens to the class (phone-channel.ts); the phone
 * talks to its server's port itself, and each server applies the class's rules
 * (server-guard.ts). The hub counts, from the trace, what a phone missed while it was away
 * (missed-messages.ts), and holds the class's vote (class-vote.ts).
 * Nothing here starts, stops or removes a server: the class follows what the lifecycle queue did.
 */
import type { Server, Socket } from 'socket.io';
import type { Envelope } from '../../trace/events.ts';
import type { ClassInfo, ClassVoteInfo } from '../../trace/lab-info.ts';
import type { Lab, LabPart } from '../lab.ts';
import type { LabClientInfo } from '../lab-clients.ts';
import { LabError } from '../lab-error.ts';
import { HttpError } from '../hub/http-json.ts';
import { ClassRoster, type PlaceableServer, type Student } from './class-roster.ts';
import { ClassVote } from './class-vote.ts';
import { JoinLimiter } from './join-limit.ts';
import { Absence, BroadcastLog } from './missed-messages.ts';
import { PhoneChannel } from './phone-channel.ts';
import type { PhoneView } from '../../trace/phone-protocol.ts';
import { guardServer } from './server-guard.ts';

export interface ClassroomOptions {
  size?: number;
  /** Where phones open the phone page. */
  joinUrls: string[];
}

/** How often the class looks at its servers (up, down, cut off, removed, moved to a new port). */
const TICK_MS = 250;
/** A phone's return is counted this long after it, so the last events of its gap are in. */
const SETTLE_MS = 600;

interface Phone {
  socket: Socket | null;
  state: 'connecting' | 'connected' | 'disconnected';
  rooms: string[];
  absence: Absence;
}

const classrooms = new WeakMap<Lab, Classroom>();

/** The lab's class, or a 404 that says how to start one. */
export function classroomOf(lab: Lab): Classroom {
  const room = classrooms.get(lab);
  if (!room)
    throw new LabError(
      404,
      'This lab has no class: start it with npm start -- --classroom (docs/classroom.md).',
    );
  return room;
}

export class Classroom implements LabPart {
  readonly roster: ClassRoster;
  readonly log = new BroadcastLog();
  chat: 'open' | 'paused' = 'open';
  vote: ClassVote | null = null;
  private votes = 0;
  private readonly phones = new Map<string, Phone>();
  private readonly joins = new JoinLimiter();
  private channel: PhoneChannel | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly lab: Lab,
    private readonly options: ClassroomOptions,
  ) {
    this.roster = new ClassRoster(options.size);
    classrooms.set(lab, this);
    lab.classroom = this;
    lab.serverHooks.push((io, id) =>
      guardServer(io, id, {
        verify: (sid, key) => this.roster.verify(sid, key),
        chatPaused: () => this.chat === 'paused',
        connected: (student, socket) => this.connected(student, socket),
        disconnected: (student, socket, rooms) => this.disconnected(student, socket, rooms),
      }),
    );
    lab.on('trace', (envelope: Envelope) => {
      for (const e of envelope.events) this.log.see(e);
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    lab.closers.push(async () => clearInterval(this.timer));
  }

  /** The hub's `/class` namespace, once the hub exists. */
  attach(io: Server): void {
    this.channel = new PhoneChannel(io, {
      verify: (id, key) => this.roster.verify(id, key),
      view: (s) => this.view(s),
      vote: (s, vote, choice) => this.castVote(s, vote, choice),
    });
  }

  private get servers(): PlaceableServer[] {
    return this.lab.servers.local.map((s) => ({ id: s.id, port: s.port, state: s.state }));
  }

  /** `POST /api/join`: a student's place, or a LabError or HttpError with one sentence. */
  join(name: unknown, address: string): Student {
    const wait = this.joins.take(address);
    if (wait > 0)
      throw new HttpError(429, `Too many tries from this device; wait ${wait} s and join again.`);
    const student = this.roster.join(name, this.servers);
    this.phones.set(student.id, {
      socket: null,
      state: 'connecting',
      rooms: [],
      absence: new Absence(),
    });
    this.lab.changed();
    return student;
  }

  /** The teacher takes a student out of the class; their phone is told so and let go. */
  remove(id: string, why = 'The teacher took you out of the class.'): Student {
    const student = this.roster.remove(id);
    if (!student) throw new LabError(404, `There is no student "${id}" in the class.`);
    this.let(student, why);
    this.lab.changed();
    return student;
  }

  /** Clears the names: every student leaves, and the class starts empty. */
  clear(): number {
    const all = this.roster.clear();
    for (const student of all)
      this.let(student, 'The teacher cleared the class list: join again to take part.');
    this.lab.changed();
    return all.length;
  }

  private let(student: Student, why: string): void {
    this.channel?.dismiss(student.id, why);
    this.phones.get(student.id)?.socket?.disconnect(true);
    this.phones.delete(student.id);
  }

  configure(change: {
    joining?: 'open' | 'paused';
    chat?: 'open' | 'paused';
    placement?: string | null;
  }): ClassInfo {
    if (change.placement) {
      const server = this.servers.find((s) => s.id === change.placement);
      if (!server)
        throw new LabError(
          404,
          `There is no server "${change.placement}" of the lab to put phones on; the servers are ${this.servers.map((s) => s.id).join(', ') || 'none'}.`,
          'placement',
        );
    }
    if (change.placement !== undefined) this.roster.chosen = change.placement;
    if (change.joining) this.roster.joining = change.joining;
    if (change.chat) this.chat = change.chat;
    this.refresh();
    this.lab.changed();
    return this.info().class;
  }

  openVote(question: string, choices: string[], lesson?: { id: string; step: number }) {
    this.vote = new ClassVote(++this.votes, question, choices, lesson);
    this.refresh();
    this.lab.changed();
    return this.vote.info();
  }

  /** Voting ends; `outcome`: what the lab did, which the projector shows beside the votes. */
  closeVote(outcome?: ClassVoteInfo['outcome']): ClassVoteInfo {
    if (!this.vote) throw new LabError(409, 'No vote is open; open one first.');
    if (outcome && outcome.fits.some((i) => i >= this.vote!.choices.length))
      throw new LabError(400, '"fits" must hold numbers of the vote\'s choices.', 'fits');
    this.vote.close(outcome);
    this.refresh();
    this.lab.changed();
    return this.vote.info();
  }

  endVote(): void {
    this.vote = null;
    this.refresh();
    this.lab.changed();
  }

  private castVote(student: Student, vote: unknown, choice: unknown): string | null {
    if (!this.vote || vote !== this.vote.id) return 'That vote is over.';
    const error = this.vote.cast(student.id, choice);
    if (!error) {
      this.channel?.refresh([student], (s) => this.view(s));
      this.lab.changed();
    }
    return error;
  }

  private connected(student: Student, socket: Socket): void {
    const phone = this.phones.get(student.id);
    if (!phone) return;
    // A reloaded phone page comes back as the same student: the older connection goes.
    if (phone.socket && phone.socket !== socket) phone.socket.disconnect(true);
    phone.socket = socket;
    phone.state = 'connected';
    const now = Date.now();
    phone.absence.end('away', now);
    if (this.linkOf(student.server) !== 'lost') phone.absence.end('cut', now);
    this.returned(student, phone);
    this.lab.changed();
  }

  private disconnected(student: Student, socket: Socket, rooms: string[]): void {
    const phone = this.phones.get(student.id);
    if (!phone || phone.socket !== socket) return;
    phone.rooms = rooms;
    phone.socket = null;
    phone.state = 'disconnected';
    phone.absence.start('away', student.server, Date.now());
    this.lab.changed();
  }

  /** Back from every gap: tells the phone what the others got meanwhile, once it is all in. */
  private returned(student: Student, phone: Phone): void {
    if (phone.absence.away || phone.absence.gaps.length === 0) return;
    const gaps = phone.absence.take();
    // The rooms it was in when it left, and any it joined since (a phone joins its rooms again).
    const rooms = [...phone.rooms, ...(phone.socket?.rooms ?? [])];
    const seconds = Math.round(gaps.reduce((n, g) => n + (g.to - g.from), 0) / 1000);
    setTimeout(() => {
      if (!this.lab.options.monitor) {
        this.channel?.send(student.id, 'missed', {
          count: null,
          about: false,
          atLeast: false,
          seconds,
        });
        return;
      }
      this.channel?.send(student.id, 'missed', { ...this.log.missed(gaps, rooms), seconds });
    }, SETTLE_MS).unref();
  }

  private linkOf(server: string): 'ok' | 'lost' | 'none' {
    return this.lab.servers.find(server)?.redisLink ?? 'none';
  }

  /** Follows the servers: cut-offs for the missed count, removed servers and moved ports. */
  private tick(): void {
    const settled = this.lab.lifecycle.pending.length === 0;
    const now = Date.now();
    for (const student of this.roster.list()) {
      const phone = this.phones.get(student.id);
      if (!phone) continue;
      const server = this.lab.servers.find(student.server);
      if (!server && settled) this.roster.move(student, this.servers);
      else if (server && server.port !== student.port && settled) student.port = server.port;
      if (phone.state === 'connected' && this.linkOf(student.server) === 'lost')
        phone.absence.start('cut', student.server, now);
      else if (this.linkOf(student.server) !== 'lost') {
        phone.absence.end('cut', now);
        if (phone.state === 'connected') this.returned(student, phone);
      }
    }
    this.refresh();
  }

  private refresh(): void {
    this.channel?.refresh(this.roster.list(), (s) => this.view(s));
  }

  view(student: Student): PhoneView {
    const server = this.lab.servers.find(student.server);
    const vote = this.vote;
    return {
      id: student.id,
      name: student.name,
      server: student.server,
      port: student.port,
      serverState: server?.state ?? 'gone',
      link: this.linkOf(student.server),
      chat: this.chat,
      vote: vote && {
        id: vote.id,
        question: vote.question,
        choices: [...vote.choices],
        open: vote.open,
        voted: vote.hasVoted(student.id),
        ...(vote.open ? {} : { counts: vote.info().counts, outcome: vote.info().outcome }),
      },
    };
  }

  clients(): LabClientInfo[] {
    return this.roster.list().map((s) => {
      const phone = this.phones.get(s.id);
      const socket = phone?.socket;
      return {
        id: s.name,
        kind: 'phone' as const,
        server: s.server,
        socketId: socket?.id,
        state: phone?.state === 'connected' ? ('connected' as const) : ('disconnected' as const),
        rooms: socket ? [...socket.rooms].filter((r) => r !== socket.id) : [],
      };
    });
  }

  info(): { class: ClassInfo } {
    return {
      class: {
        joinUrls: this.options.joinUrls,
        size: this.roster.size,
        joining: this.roster.joining,
        chat: this.chat,
        placement: this.roster.chosen,
        students: this.roster.list().map((s) => ({
          id: s.id,
          name: s.name,
          server: s.server,
          port: s.port,
          state: this.phones.get(s.id)?.state ?? 'connecting',
        })),
        vote: this.vote?.info() ?? null,
      },
    };
  }
}
