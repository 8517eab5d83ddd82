/**
 * The hub's `/class` namespace: what a phone hears from the class (its server, whether it is up
 * or cut off from Redis, the chat's pause, the vote, what it missed) and its one way to act on the
 * class, a vote. Chat never passes here: a phone talks to its own server's port.
 */
import type { Namespace, Server } from 'socket.io';
import { TokenBucket } from '../rate-limit.ts';
import type { Student } from './class-roster.ts';
import type { MissedReport, PhoneView } from '../../trace/phone-protocol.ts';

export interface PhoneChannelContext {
  verify(id: unknown, key: unknown): Student | undefined;
  view(student: Student): PhoneView;
  vote(student: Student, vote: unknown, choice: unknown): string | null;
}

/** A phone hears a lot and says little: votes, and a view asked for again after a reconnect. */
const PHONE_RATE = { perSecond: 2, burst: 6 };

export class PhoneChannel {
  private readonly nsp: Namespace;
  private readonly sent = new Map<string, string>();

  constructor(io: Server, ctx: PhoneChannelContext) {
    this.nsp = io.of('/class');
    this.nsp.use((socket, next) => {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const student = ctx.verify(auth.student, auth.key);
      if (!student)
        return next(
          Object.assign(
            new Error('You are not in the class: the teacher removed you or cleared the list.'),
            { data: { reason: 'removed' } },
          ),
        );
      socket.data.student = student;
      next();
    });
    this.nsp.on('connection', (socket) => {
      const student = socket.data.student as Student;
      void socket.join(student.id);
      const view = ctx.view(student);
      socket.emit('class', view);
      this.sent.set(student.id, JSON.stringify(view));
      const bucket = new TokenBucket(PHONE_RATE.perSecond, PHONE_RATE.burst);
      socket.on('vote', (raw: unknown, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => undefined;
        if (!bucket.take()) return reply({ error: 'Slow down: one vote is enough.' });
        const { vote, choice } = (raw ?? {}) as Record<string, unknown>;
        const error = ctx.vote(student, vote, choice);
        reply(error ? { error } : { ok: true });
      });
    });
  }

  /** Sends each phone its view when it changed since it was last sent. */
  refresh(students: Iterable<Student>, view: (s: Student) => PhoneView): void {
    for (const student of students) {
      if (!this.nsp.adapter.rooms.has(student.id)) continue;
      const next = view(student);
      const json = JSON.stringify(next);
      if (this.sent.get(student.id) === json) continue;
      this.sent.set(student.id, json);
      this.nsp.to(student.id).emit('class', next);
    }
  }

  send(student: string, event: 'missed', report: MissedReport): void {
    this.nsp.to(student).emit(event, report);
  }

  /** Tells a phone it left the class, and closes its connection to the hub. */
  dismiss(student: string, why: string): void {
    this.nsp.to(student).emit('removed', { why });
    this.nsp.in(student).disconnectSockets(true);
    this.sent.delete(student);
  }
}
