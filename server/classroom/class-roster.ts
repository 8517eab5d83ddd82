/**
 * The class list: who joined, under which nickname, and on which server each phone was placed.
 * Pure bookkeeping (no sockets, no timers), so the rules are tested without a lab: at most
 * `size` phones, no two nicknames the projector could not tell apart, and placement round-robin
 * over the servers that are up, or on the server the teacher chose.
 */
import { randomBytes } from 'node:crypto';
import { LabError } from '../lab-error.ts';
import { tokenMatches } from '../hub/auth.ts';
import { checkNickname, sameNickname } from './nickname.ts';

export const DEFAULT_CLASS_SIZE = 200;

export interface Student {
  /** The id the API and the phone use (`st1`, `st2`...); the nickname is only shown. */
  id: string;
  name: string;
  /** Proves to the servers and the hub that a phone is this student; never listed. */
  key: string;
  server: string;
  port: number;
  joinedAt: number;
}

export interface PlaceableServer {
  id: string;
  port: number;
  state: 'up' | 'down' | 'crashed';
}

export class ClassRoster {
  private readonly students = new Map<string, Student>();
  private next = 1;
  private turn = 0;
  /** New phones go here when set; round-robin over the servers that are up when null. */
  chosen: string | null = null;
  joining: 'open' | 'paused' = 'open';

  constructor(readonly size = DEFAULT_CLASS_SIZE) {}

  get count(): number {
    return this.students.size;
  }

  list(): Student[] {
    return [...this.students.values()];
  }

  get(id: string): Student | undefined {
    return this.students.get(id);
  }

  /** The student a phone says it is, when its key proves it. */
  verify(id: unknown, key: unknown): Student | undefined {
    const student = typeof id === 'string' ? this.students.get(id) : undefined;
    return student && tokenMatches(key, student.key) ? student : undefined;
  }

  /**
   * Adds a student and places the phone; throws a LabError with one sentence for a bad or taken
   * name, a full class, joining paused, or no server to go to. Synchronous, so two joins at once
   * can never both take the last place or the same name.
   */
  join(rawName: unknown, servers: readonly PlaceableServer[], now = Date.now()): Student {
    const checked = checkNickname(rawName);
    if ('error' in checked) throw new LabError(400, checked.error, 'name');
    if (this.joining === 'paused')
      throw new LabError(409, 'Joining is paused by the teacher; wait until it opens again.');
    if (this.students.size >= this.size)
      throw new LabError(
        409,
        `The class is full: it has ${this.size} phones, the most this lab takes (--class-size).`,
      );
    const { name } = checked;
    if (this.list().some((s) => sameNickname(s.name, name)))
      throw new LabError(409, `Someone in the class is already called "${name}"; pick another.`);
    const place = this.place(servers);
    const student: Student = {
      id: `st${this.next++}`,
      name,
      key: randomBytes(12).toString('base64url'),
      server: place.id,
      port: place.port,
      joinedAt: now,
    };
    this.students.set(student.id, student);
    return student;
  }

  /**
   * Where the next phone goes, or a LabError that says why it cannot go anywhere. A phone that
   * must move (`avoid`: its server was removed) goes round-robin when the chosen server is not up.
   */
  place(servers: readonly PlaceableServer[], avoid?: string): PlaceableServer {
    const up = servers.filter((s) => s.state === 'up' && s.id !== avoid);
    const chosen = up.find((s) => s.id === this.chosen);
    if (chosen) return chosen;
    if (this.chosen && avoid === undefined)
      throw new LabError(
        409,
        `${this.chosen}, where the teacher puts new phones, is not up; ask the teacher to start it or to choose another.`,
      );
    if (up.length === 0)
      throw new LabError(409, 'No server of the lab is up; ask the teacher to start one.');
    return up[this.turn++ % up.length];
  }

  /** Moves a student to another server (theirs was removed); false when none is up. */
  move(student: Student, servers: readonly PlaceableServer[]): boolean {
    try {
      const place = this.place(servers, student.server);
      student.server = place.id;
      student.port = place.port;
      return true;
    } catch {
      return false;
    }
  }

  remove(id: string): Student | undefined {
    const student = this.students.get(id);
    this.students.delete(id);
    return student;
  }

  clear(): Student[] {
    const all = this.list();
    this.students.clear();
    return all;
  }
}
