/**
 * Someone outside the lab who can reach Redis: a connection of its own, logged in as whoever
 * the Redis URL without credentials gets (the `default` user), publishing what it likes. It is
 * the student with redis-cli, made reachable from the API and the lessons, so that a forged
 * broadcast and the NOPERM that stops it can be shown (lessons/30-who-may-publish.md).
 */
import { encode as msgpackEncode } from 'notepack.io';
import type { OutsiderReply } from '../trace/api-calls.ts';
import type { AdapterKind } from '../trace/events.ts';
import { labConnectionName, withConnection } from './redis-clients.ts';
import { LabError } from './lab-error.ts';

/** A broadcast built the way the adapter itself (or @socket.io/redis-emitter) puts it on the wire. */
export interface Forgery {
  event: string;
  args: unknown[];
  /** One room, or every client. */
  room?: string;
}

export interface OutsiderMessage {
  command: 'PUBLISH' | 'SPUBLISH';
  channel: string;
  payload: Buffer;
}

/** The uid a forged packet carries: no server's, so every server delivers it. */
export const FORGER_UID = 'forger';

export function forgedBroadcast(adapter: AdapterKind, key: string, f: Forgery): OutsiderMessage {
  const packet = { type: 2, data: [f.event, ...f.args], nsp: '/' };
  const opts = { rooms: f.room ? [f.room] : [], except: [], flags: {} };
  const channel = f.room ? `${key}#/#${f.room}#` : `${key}#/#`;
  if (adapter === 'sharded') {
    // ClusterAdapter's message: JSON unless it carries binary.
    const message = { uid: FORGER_UID, nsp: '/', type: 3, data: { packet, opts } };
    return { command: 'SPUBLISH', channel, payload: Buffer.from(JSON.stringify(message)) };
  }
  return {
    command: 'PUBLISH',
    channel,
    payload: Buffer.from(msgpackEncode([FORGER_UID, packet, opts])),
  };
}

/** What `POST /api/redis/publish` answers: the control API's reply type (trace/api-calls.ts). */
export type OutsiderResult = OutsiderReply;

/** The URL as anyone who knows only the address would use it: no user, no password. */
export function anonymous(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

export async function outsiderPublish(
  url: string,
  lab: string,
  m: OutsiderMessage,
): Promise<OutsiderResult> {
  const connection = labConnectionName('outsider', lab);
  const result: OutsiderResult = {
    connection,
    user: 'default',
    command: m.command,
    channel: m.channel,
    bytes: m.payload.length,
  };
  try {
    const reply = await withConnection(anonymous(url), connection, (c) =>
      c.call(m.command, m.channel, m.payload),
    );
    result.receivers = Number(reply);
  } catch (err) {
    result.error = (err as Error).message;
  }
  return result;
}

const EVENT = /^[\w :.-]{1,64}$/;
const ROOM = /^[\w:.-]{1,64}$/;

/**
 * The body of `POST /api/redis/publish`: a forged broadcast (`event`, `args`, `room`), or raw
 * bytes on any channel (`channel` with `text` or `hex`, and `command` PUBLISH or SPUBLISH).
 */
export function outsiderRequest(
  body: Record<string, unknown>,
): OutsiderMessage | { forge: Forgery } {
  const bad = (field: string, what: string) => new LabError(400, `"${field}" ${what}.`, field);
  if (body.event !== undefined) {
    if (typeof body.event !== 'string' || !EVENT.test(body.event))
      throw bad('event', 'must be an event name of 1-64 letters, digits, spaces, _ : . or -');
    const args = body.args ?? [];
    if (!Array.isArray(args) || args.length > 10)
      throw bad('args', 'must be an array of at most 10 items');
    if (body.room !== undefined && (typeof body.room !== 'string' || !ROOM.test(body.room)))
      throw bad('room', 'must be a room name of 1-64 letters, digits, _ : . or -');
    return { forge: { event: body.event, args, room: body.room as string | undefined } };
  }
  if (typeof body.channel !== 'string' || body.channel.length === 0 || body.channel.length > 256)
    throw bad(
      'channel',
      'is required with "text" or "hex" (or send "event" to forge a broadcast), e.g. {"channel": "socket.io#/#", "text": "hi"}',
    );
  const command = body.command ?? 'PUBLISH';
  if (command !== 'PUBLISH' && command !== 'SPUBLISH')
    throw bad('command', 'must be PUBLISH or SPUBLISH');
  let payload: Buffer;
  if (typeof body.text === 'string') payload = Buffer.from(body.text);
  else if (typeof body.hex === 'string' && /^([0-9a-fA-F]{2})*$/.test(body.hex))
    payload = Buffer.from(body.hex, 'hex');
  else throw bad('text', 'or "hex" (an even number of hex digits) must say what to publish');
  return { command, channel: body.channel, payload };
}
