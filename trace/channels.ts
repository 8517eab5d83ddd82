/**
 * Reading the adapter's channel names and decoded messages, so the model can tell a broadcast
 * from a request and know whom a broadcast targeted (reference/adapter-internals.md 2.1, 2.2).
 */
import type { DecodedMessage } from './events.ts';

export interface ChannelInfo {
  /** broadcast: `prefix#nsp#` or `prefix#nsp#room#`; request/response: `prefix-request#nsp#`...; other: anything else (the monitor channel). */
  kind: 'broadcast' | 'request' | 'response' | 'other';
  prefix?: string;
  nsp?: string;
  /** The room part of a room channel. On the sharded adapter `prefix#nsp#<uid>#` is a response channel that looks the same. */
  room?: string;
}

// The key never holds '#', and a namespace always starts with '/'; the room is what is left.
const CHANNEL = /^([^#]+)#(\/[^#]*)#(?:(.*)#)?$/;

export function classifyChannel(channel: string): ChannelInfo {
  const m = CHANNEL.exec(channel);
  if (!m) return { kind: 'other' };
  const [, key, nsp, room] = m;
  if (key.endsWith('-request')) return { kind: 'request', prefix: key.slice(0, -8), nsp };
  if (key.endsWith('-response')) return { kind: 'response', prefix: key.slice(0, -9), nsp, room };
  return room === undefined
    ? { kind: 'broadcast', prefix: key, nsp }
    : { kind: 'broadcast', prefix: key, nsp, room };
}

export interface BroadcastTarget {
  rooms: string[];
  except: string[];
  /** `io.local`: never published, so only the origin's sockets are targeted. */
  local: boolean;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : undefined;
}

function optsTarget(opts: unknown): BroadcastTarget | undefined {
  if (!opts || typeof opts !== 'object') return undefined;
  const o = opts as { rooms?: unknown; except?: unknown; flags?: { local?: unknown } };
  const rooms = strings(o.rooms);
  if (!rooms) return undefined;
  return { rooms, except: strings(o.except) ?? [], local: o.flags?.local === true };
}

/**
 * The target of a decoded broadcast: classic `[uid, packet, opts]`, or the sharded
 * ClusterAdapter `{ type: 3, data: { opts, packet } }`. Undefined when the message does not say.
 */
export function broadcastTarget(message: DecodedMessage | undefined): BroadcastTarget | undefined {
  if (!message || message.kind !== 'broadcast') return undefined;
  const value = message.value;
  if (Array.isArray(value)) return optsTarget(value[2]);
  if (value && typeof value === 'object') {
    const data = (value as { data?: { opts?: unknown } }).data;
    return optsTarget(data?.opts);
  }
  return undefined;
}

/** What kind of traffic a message is: the decoded message decides, or else the channel name. */
export function trafficKind(
  channel: string,
  message: DecodedMessage | undefined,
): 'broadcast' | 'request' | 'response' | 'other' {
  const kind = message && message.kind !== 'unknown' ? message.kind : classifyChannel(channel).kind;
  return kind === 'monitor' ? 'other' : kind;
}
