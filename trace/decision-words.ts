/**
 * What a server's adapter did with a message it received (a `receive` event's decision), in the
 * lab's words: the one place they are written. Three registers:
 * - `decisionClause`: a clause with the server as subject (`s2 writes it to 3 local sockets`),
 *   for a hop (trace/flow-hops.ts) and for a beat of the narration that names several servers;
 * - `decisionSentence`: the narration's full explanation of one receipt;
 * - `decisionLabel`: the few words the stage writes at the server's sub end.
 * Each table is a Record over every Decision, so a new decision is a compile error here.
 */
import { classifyChannel } from './channels.ts';
import type { Decision, LabEvent } from './events.ts';
import { plural } from './plural.ts';

type Receive = Extract<LabEvent, { kind: 'receive' }>;
/** What the words need of a receipt: a `receive` event or a flow's receipt. */
export type DecidedReceipt = Pick<Receive, 'server' | 'decision' | 'sockets' | 'fatal'>;

/** The decisions where the lab caught a message the real adapter cannot read. */
export const CAUGHT: ReadonlySet<Decision> = new Set<Decision>(['undecodable', 'malformed']);

const CLAUSE = {
  // A request or response has no sockets count: the server handles it.
  delivered: (s, r) =>
    r.sockets === undefined
      ? `${s} handles it`
      : `${s} writes it to ${plural(r.sockets, 'local socket')}`,
  'own-message': (s) => `${s} drops its own message (same uid)`,
  'unknown-room': (s) => `${s} has no member in the room and drops it unread`,
  'other-namespace': (s) => `${s} drops another namespace's packet`,
  'not-for-me': (s) => `${s} drops an answer to a request it did not make`,
  ignored: (s) => `${s} ignores it`,
  undecodable: (s, r, many) => caught(s, r, many),
  malformed: (s, r, many) => caught(s, r, many),
} satisfies Record<Decision, (who: string, r: DecidedReceipt, many: boolean) => string>;

/** A message the lab caught, and what a plain server with the real adapter would have done. */
function caught(who: string, r: DecidedReceipt, many: boolean): string {
  const what =
    r.decision === 'undecodable' ? 'cannot decode it' : 'cannot read it as the adapter does';
  if (r.fatal === true)
    return `${who} ${what} (a plain server would crash; ${many ? 'these keep' : 'this one keeps'} serving)`;
  if (r.fatal === false) return `${who} ${what} and drops it, as the real adapter does`;
  return `${who} ${what} and drops it`;
}

/**
 * `s2 drops its own message (same uid)`. `who` names the subject when several servers made the
 * same decision (`s1, s2 and s3`, with `many`); by default the receipt's server.
 */
export function decisionClause(r: DecidedReceipt, who = r.server, many = false): string {
  return CLAUSE[r.decision](who, r, many);
}

const SENTENCE = {
  delivered: (s, e) =>
    e.message?.kind === 'broadcast' || e.sockets !== undefined
      ? `the uid is not ${s}'s own, so its adapter writes the packet to ${plural(e.sockets ?? 0, 'local socket')}.`
      : `${s}'s adapter handles it.`,
  'own-message': (s, e) =>
    `${e.message?.uid ? `the uid ${e.message.uid}` : 'the message'} is ${s}'s own, so it drops it: its own sockets already got it locally.`,
  'unknown-room': (s, e) =>
    `${s} has no socket in room ${roomOf(e.channel)}, so it drops it without decoding.`,
  'other-namespace': (s) => `it is for another namespace, so ${s} drops it.`,
  'not-for-me': (s) => `it answers a request ${s} did not make, so ${s} drops it.`,
  ignored: (s) => `no adapter of ${s} listens to it, so it is ignored.`,
  undecodable: (s, e) =>
    `it does not decode${e.reason ? ` (${e.reason})` : ''}. ${plainServer(s, e)}`,
  malformed: (s, e) =>
    `it decodes, but not to what the adapter reads${e.reason ? ` (${e.reason})` : ''}. ${plainServer(s, e)}`,
} satisfies Record<Decision, (server: string, e: Receive) => string>;

/** What a plain server with the real adapter does with a message the lab caught. */
function plainServer(s: string, e: Receive): string {
  if (e.fatal === true)
    return `A plain server with @socket.io/redis-adapter would crash here: the adapter does not catch this. The lab caught it, and ${s} keeps serving.`;
  if (e.fatal === false) return `The real adapter drops it too, and so does ${s}.`;
  return `It is not a batch of this lab, so ${s} drops it.`;
}

/** The narration's explanation of one receipt: `the uid is not s2's own, so its adapter writes...`. */
export function decisionSentence(e: Receive): string {
  return SENTENCE[e.decision](e.server, e);
}

const LABEL = {
  delivered: (n) => (n === undefined ? '✓ handled' : `✓ to ${plural(n, 'socket')}`),
  'own-message': () => '↺ own uid: dropped',
  'unknown-room': () => '∅ room not here: dropped',
  'other-namespace': () => '∅ other namespace',
  'not-for-me': () => '∅ not its request',
  ignored: () => '∅ ignored',
  undecodable: () => '✕ undecodable: dropped',
  malformed: () => '✕ malformed: dropped',
} satisfies Record<Decision, (sockets?: number) => string>;

/** The stage's words at a server's sub end: `✓ to 2 sockets`, `↺ own uid: dropped`. */
export function decisionLabel(r: Pick<DecidedReceipt, 'decision' | 'sockets'>): string {
  return LABEL[r.decision](r.sockets);
}

/** The room part of a room channel (`socket.io#/#blue#` → `blue`), or the channel itself. */
export function roomOf(channel: string): string {
  return classifyChannel(channel).room || channel;
}

/** Who published a message that no server of this lab sent (`Receive.foreign`). */
type Publisher = { foreign?: 'outside' | 'other-lab'; otherLab?: string };

/** The publisher of a message no server of this lab sent, as a clause of a hop's sentence. */
export function publisherClause(p: Publisher): string {
  if (p.foreign === 'outside') return ' (published by no server of this lab)';
  if (p.foreign === 'other-lab') return ` (published by lab ${p.otherLab ?? '?'})`;
  return '';
}

/** The same, as a sentence of its own after the narration's. */
export function publisherSentence(p: Publisher): string {
  if (p.foreign === 'outside') return ' No server of this lab published it.';
  if (p.foreign === 'other-lab')
    return ` Another lab sharing this Redis (${p.otherLab ?? '?'}) published it.`;
  return '';
}
