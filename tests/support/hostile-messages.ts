/**
 * Messages anyone who can reach Redis can publish on a lab's channels, with what the lab reports
 * for each and what a plain server with the real adapter does with it. The hostile-traffic
 * suite publishes every one; the chaos suite can draw from the same list.
 */
import { encode } from 'notepack.io';
import type { Redis } from 'ioredis';
import type { Decision } from '../../trace/events.ts';

export interface HostileMessage {
  name: string;
  /** The adapter whose channels it is for; `monitor` is the lab's own monitor channel. */
  target: 'redis' | 'sharded' | 'monitor';
  command: 'PUBLISH' | 'SPUBLISH';
  /** The channel, for the adapter's key (or, for `monitor`, the monitor channel). */
  channel: (key: string) => string;
  payload: Buffer;
  /** What every server that receives it reports (for `monitor`: what the hub reports). */
  decision: Decision;
  /**
   * What a plain server with @socket.io/redis-adapter does with it: dies (true), drops it
   * (false), or handles it as the adapter always does (undefined).
   */
  fatal?: boolean;
  /** A piece of the reason the lab reports (and, when fatal, of what the plain server dies with). */
  reason?: string;
}

const chat = (text: string, nsp = '/') => ({ type: 2, data: ['chat message', text], nsp });
const buf = (value: unknown) => Buffer.from(encode(value));
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const broadcastChannel = (key: string) => `${key}#/#`;
const requestChannel = (key: string) => `${key}-request#/#`;
const responseChannel = (key: string) => `${key}-response#/#`;

/** A msgpack array nested deeper than a decoder's stack. */
function deeplyNested(depth: number): Buffer {
  const b = Buffer.alloc(depth + 1, 0x91);
  b[depth] = 0xc0;
  return b;
}

/** A message before its target and command are filled in. */
type Draft = Omit<HostileMessage, 'target' | 'command' | 'channel'> &
  Partial<Pick<HostileMessage, 'channel'>>;

const classic: HostileMessage[] = (
  [
    {
      name: 'text, not msgpack',
      payload: Buffer.from('hi'),
      decision: 'undecodable',
      fatal: true,
      reason: '1 trailing bytes',
    },
    {
      name: 'a byte msgpack never uses',
      payload: Buffer.from([0xc1]),
      decision: 'undecodable',
      fatal: true,
      reason: 'Could not parse',
    },
    {
      name: 'msgpack cut short',
      payload: buf(['x', chat('cut'), { rooms: [], except: [], flags: {} }]).subarray(0, 20),
      decision: 'undecodable',
      fatal: true,
      reason: 'Could not parse',
    },
    {
      name: 'msgpack nested deeper than the stack',
      payload: deeplyNested(200_000),
      decision: 'undecodable',
      fatal: true,
      reason: 'Maximum call stack size exceeded',
    },
    {
      name: 'msgpack nil instead of [uid, packet, opts]',
      payload: Buffer.from([0xc0]),
      decision: 'malformed',
      fatal: true,
      reason: 'not iterable',
    },
    {
      name: 'a string instead of [uid, packet, opts]',
      payload: buf('hello'),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot create property 'nsp'",
    },
    {
      name: '[uid, packet] without opts',
      payload: buf(['x', chat('no opts')]),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot read properties of undefined (reading 'rooms')",
    },
    {
      name: 'rooms that are a number',
      payload: buf(['x', chat('rooms'), { rooms: 5, except: [] }]),
      decision: 'malformed',
      fatal: true,
      reason: 'number 5 is not iterable',
    },
    {
      name: 'a packet for another namespace',
      payload: buf(['x', chat('elsewhere', '/admin'), { rooms: [], except: [] }]),
      decision: 'other-namespace',
    },
    {
      name: 'huge: 5 MB that is not msgpack',
      payload: Buffer.concat([Buffer.from([0xc1]), Buffer.alloc(5 * 1024 * 1024, 0x61)]),
      decision: 'undecodable',
      fatal: true,
      reason: 'Could not parse',
    },
  ] as Draft[]
).map((m) => ({
  ...m,
  target: 'redis' as const,
  command: 'PUBLISH' as const,
  channel: broadcastChannel,
}));

const requests: HostileMessage[] = (
  [
    {
      name: 'text on the request channel',
      channel: requestChannel,
      payload: Buffer.from('hi'),
      decision: 'undecodable',
      fatal: false,
      reason: 'trailing bytes',
    },
    {
      name: 'broken JSON on the request channel',
      channel: requestChannel,
      payload: Buffer.from('{"type":'),
      decision: 'undecodable',
      fatal: false,
      reason: 'JSON',
    },
    {
      name: 'REMOTE_FETCH without opts',
      channel: requestChannel,
      payload: json({ type: 5, requestId: 'forged-fetch' }),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot read properties of undefined (reading 'rooms')",
    },
    {
      name: 'SERVER_SIDE_EMIT whose data is not a list',
      channel: requestChannel,
      payload: json({ type: 6, uid: 'forger', data: 'hi' }),
      decision: 'malformed',
      fatal: true,
      reason: 'CreateListFromArrayLike called on non-object',
    },
    {
      name: 'a request type the adapter does not know',
      channel: requestChannel,
      payload: json({ type: 42 }),
      decision: 'ignored',
    },
    {
      name: 'text on the response channel',
      channel: responseChannel,
      payload: Buffer.from('hi'),
      decision: 'undecodable',
      fatal: false,
      reason: 'trailing bytes',
    },
    {
      name: 'msgpack nil on the response channel',
      channel: responseChannel,
      payload: Buffer.from([0xc0]),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot read properties of null (reading 'requestId')",
    },
  ] as Draft[]
).map((m) => ({
  ...m,
  target: 'redis' as const,
  command: 'PUBLISH' as const,
  channel: m.channel!,
}));

const sharded: HostileMessage[] = (
  [
    {
      name: 'text on the shard channel',
      payload: Buffer.from('hi'),
      decision: 'undecodable',
      fatal: false,
      reason: 'trailing bytes',
    },
    {
      name: 'a BROADCAST without data',
      payload: json({ uid: 'forger', nsp: '/', type: 3 }),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot read properties of undefined (reading 'requestId')",
    },
    {
      name: 'msgpack nil on the shard channel',
      payload: Buffer.from([0xc0]),
      decision: 'malformed',
      fatal: true,
      reason: "Cannot read properties of null (reading 'uid')",
    },
    {
      name: 'a BROADCAST for another namespace',
      payload: json({
        uid: 'forger',
        nsp: '/admin',
        type: 3,
        data: { packet: chat('elsewhere', '/admin'), opts: { rooms: [], except: [] } },
      }),
      decision: 'other-namespace',
    },
  ] as Draft[]
).map((m) => ({
  ...m,
  target: 'sharded' as const,
  command: 'SPUBLISH' as const,
  channel: broadcastChannel,
}));

const monitor: HostileMessage[] = (
  [
    {
      name: 'text on the monitor channel',
      payload: Buffer.from('hello monitor'),
      decision: 'undecodable',
      reason: 'not JSON',
    },
    {
      name: 'a batch with no lab id',
      payload: json({ v: 1, from: 's9', events: [] }),
      decision: 'malformed',
      reason: 'without a lab id',
    },
    {
      name: 'a batch from a newer lab',
      payload: json({ v: 99, from: 's9', events: [] }),
      decision: 'malformed',
      reason: 'newer than this lab understands',
    },
  ] as Draft[]
).map((m) => ({
  ...m,
  target: 'monitor' as const,
  command: 'PUBLISH' as const,
  channel: (k: string) => k,
}));

export const HOSTILE_MESSAGES: HostileMessage[] = [...classic, ...requests, ...sharded, ...monitor];

/**
 * A batch of lab `lab` with an event no page could read: only a lab's own batches are checked
 * event by event, so this one names the lab it is sent to.
 */
export function brokenBatchOf(lab: string): HostileMessage {
  return {
    name: 'a batch of this lab with an event missing its fields',
    target: 'monitor',
    command: 'PUBLISH',
    channel: (k) => k,
    payload: json({
      v: 1,
      lab,
      from: 's9',
      events: [{ kind: 'redis.command', seq: 1, t: 1, server: 's9', step: 5 }],
    }),
    decision: 'malformed',
    reason: 'events[0] redis.command: "role" must be one of',
  };
}

/** A well-formed broadcast that no server of the lab published: delivered as in production. */
export function forgedChat(text: string): Buffer {
  return buf(['forger', chat(text), { rooms: [], except: [], flags: {} }]);
}

/** Publishes `m` from `client` (any connection that is not subscribed), on the channels of `key`. */
export async function publishHostile(
  client: Redis,
  m: HostileMessage,
  key: string,
): Promise<number> {
  return Number(await client.call(m.command, m.channel(key), m.payload));
}
