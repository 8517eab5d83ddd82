/**
 * What a phone and the lab say to each other in classroom mode (docs/classroom.md): the answer
 * to `POST /api/join`, the hub's `/class` namespace, and the chat message a phone's server signs.
 * Types only, shared by the hub (server/classroom/) and the phone page (web/src/join/).
 */

/** `201` answer of `POST /api/join`. */
export interface JoinAnswer {
  id: string;
  name: string;
  server: string;
  port: number;
  /** Proves to the servers and the hub that a phone is this student: keep it to yourself. */
  key: string;
}

/** What the hub tells one phone on `/class` (event `class`), again whenever any of it changes. */
export interface PhoneView {
  id: string;
  name: string;
  server: string;
  port: number;
  /** gone: the server was removed, and no other was up to move to. */
  serverState: 'up' | 'down' | 'crashed' | 'gone';
  /** lost: the server is up but cannot reach Redis, so it hears nothing from the others. */
  link: 'ok' | 'lost' | 'none';
  chat: 'open' | 'paused';
  vote: PhoneVote | null;
}

export interface PhoneVote {
  id: number;
  question: string;
  choices: string[];
  open: boolean;
  voted: boolean;
  /** Once voting has closed. */
  counts?: number[];
  outcome?: { fits: number[]; observed: string };
}

/** Event `missed` on `/class`: sent once a phone is back from being away or cut off. */
export interface MissedReport {
  /** null when the lab's monitor is off: nothing counted the messages. */
  count: number | null;
  /** The monitor was sampling: an estimate. */
  about: boolean;
  /** The gap is older than what the hub remembers: at least this many. */
  atLeast: boolean;
  seconds: number;
}

/** Event `removed` on `/class`: the phone is out of the class. */
export interface Dismissal {
  why: string;
}

/** A phone's `chat message` (or the message of a `room message`) as its server sends it on. */
export interface SignedMessage {
  name: string;
  text: string;
  /** The server the phone that sent it is on. */
  server: string;
}
