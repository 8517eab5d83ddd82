/**
 * Decodes what the adapters put on the wire, so a viewer sees `[uid, packet, opts]` and the
 * request objects instead of bytes. Formats (see docs/trace.md):
 * - classic broadcasts: msgpack (notepack.io) `[uid, packet, opts]`;
 * - classic requests and responses: JSON when the first byte is `{`, else msgpack;
 * - sharded (ClusterAdapter) messages: `{uid, nsp, type, data}`, JSON unless they carry binary;
 * - streams entries: the fields `uid nsp type [data]`, `data` JSON or base64 of msgpack, decoded
 *   to the same ClusterAdapter message (family `sharded`), with `type` a number again.
 */
import { decode as msgpackDecode } from 'notepack.io';
import type { DecodedMessage, Foreign } from '../../trace/events.ts';
import { hashFlowId } from './flow-context.ts';

/** RequestType of the classic adapter (lib/index.ts). */
const REQUEST_TYPES = [
  'SOCKETS',
  'ALL_ROOMS',
  'REMOTE_JOIN',
  'REMOTE_LEAVE',
  'REMOTE_DISCONNECT',
  'REMOTE_FETCH',
  'SERVER_SIDE_EMIT',
  'BROADCAST',
  'BROADCAST_CLIENT_COUNT',
  'BROADCAST_ACK',
];

/** MessageType of socket.io-adapter's ClusterAdapter, used by the sharded adapter. */
const CLUSTER_TYPES: Record<number, string> = {
  1: 'INITIAL_HEARTBEAT',
  2: 'HEARTBEAT',
  3: 'BROADCAST',
  4: 'SOCKETS_JOIN',
  5: 'SOCKETS_LEAVE',
  6: 'DISCONNECT_SOCKETS',
  7: 'FETCH_SOCKETS',
  8: 'FETCH_SOCKETS_RESPONSE',
  9: 'SERVER_SIDE_EMIT',
  10: 'SERVER_SIDE_EMIT_RESPONSE',
  11: 'BROADCAST_CLIENT_COUNT',
  12: 'BROADCAST_ACK',
  13: 'ADAPTER_CLOSE',
};

export type AdapterFamily = 'classic' | 'sharded';

export function toBuffer(payload: string | Buffer | Uint8Array): Buffer {
  return typeof payload === 'string'
    ? Buffer.from(payload)
    : Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload);
}

export interface Decoded {
  format: DecodedMessage['format'];
  value: unknown;
  /** Why it did not decode, in the decoder's words (format `unknown`). */
  error?: string;
  /** `value` has been through jsonSafe already (a snapshot taken before the adapter changed it). */
  safe?: boolean;
}

/** The raw value of a payload: JSON or msgpack, by its first byte, as the adapters decide. */
export function decodeRaw(buf: Buffer): Decoded {
  try {
    if (buf[0] === 0x7b) return { format: 'json', value: JSON.parse(buf.toString('utf8')) };
    return { format: 'msgpack', value: msgpackDecode(buf) };
  } catch (err) {
    return { format: 'unknown', value: null, error: errorText(err) };
  }
}

/** An error's message, short enough for an event (a decoder may quote the input back). */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A stream entry of the streams adapter, decoded as its `RedisStreamsAdapter.decode` does (the
 * class is not exported): `data` is JSON when it starts with `{`, else base64 of msgpack.
 */
export function decodeStreamEntry(fields: unknown): Decoded {
  try {
    const f = (fields ?? {}) as Record<string, unknown>;
    const value: Record<string, unknown> = {
      uid: f.uid,
      nsp: f.nsp,
      type: parseInt(String(f.type), 10),
    };
    const data = f.data;
    if (typeof data === 'string' && data !== '') {
      if (data.startsWith('{')) value.data = JSON.parse(data);
      else {
        value.data = msgpackDecode(Buffer.from(data, 'base64'));
        return { format: 'msgpack', value };
      }
    }
    return { format: 'json', value };
  } catch (err) {
    return { format: 'unknown', value: null, error: errorText(err) };
  }
}

/** An entry's fields as the bytes Redis holds (for sizes and the hex preview). */
export function entryBytes(fields: unknown): Buffer {
  const f = (fields ?? {}) as Record<string, unknown>;
  return Buffer.from(Object.entries(f).flat().map(String).join(' '));
}

/** Makes a decoded value safe to JSON-encode and small enough to show: bytes become hex, depth and size are capped. */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 500 ? `${value.slice(0, 500)}…` : value;
  if (value instanceof Uint8Array) {
    return { $bytes: Buffer.from(value.subarray(0, 64)).toString('hex'), length: value.length };
  }
  if (value instanceof Date) return value.toISOString();
  if (depth > 6) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, 50).map((v) => jsonSafe(v, depth + 1));
    if (value.length > 50) items.push(`… ${value.length - 50} more`);
    return items;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object).slice(0, 50))
      out[k] = jsonSafe(v, depth + 1);
    return out;
  }
  return String(value);
}

function eventOf(packet: unknown): string | undefined {
  if (packet === null || typeof packet !== 'object') return undefined;
  const data = (packet as { data?: unknown }).data;
  return Array.isArray(data) && typeof data[0] === 'string' ? data[0].slice(0, 64) : undefined;
}

/** Decodes one adapter payload published on `channel`. */
export function decodeMessage(
  family: AdapterFamily,
  channel: string,
  payload: Buffer,
): DecodedMessage {
  const { format, value } = decodeRaw(payload);
  return describeMessage(family, channel, format, value);
}

/**
 * Describes a payload already decoded (the adapter decodes broadcasts itself; no need to twice).
 * `safe`: the value is a jsonSafe snapshot already, so it is not copied a second time.
 */
export function describeMessage(
  family: AdapterFamily,
  channel: string,
  format: DecodedMessage['format'],
  value: unknown,
  safe = false,
): DecodedMessage {
  if (format === 'unknown') return { format, kind: 'unknown', value: null };
  const safeValue = () => (safe ? value : jsonSafe(value));
  // Anyone can publish on these channels: read every field as what it claims to be, no more.
  const m = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const type = typeof m.type === 'number' && Number.isInteger(m.type) ? m.type : undefined;
  if (family === 'sharded') {
    const name = type === undefined ? undefined : CLUSTER_TYPES[type];
    const isResponse = /RESPONSE|CLIENT_COUNT|BROADCAST_ACK/.test(name ?? '');
    const data = m.data as { packet?: unknown } | undefined;
    return {
      format,
      kind: name === 'BROADCAST' ? 'broadcast' : isResponse ? 'response' : 'request',
      name,
      uid: stringOrNothing(m.uid),
      event: eventOf(data?.packet),
      value: safeValue(),
    };
  }
  if (Array.isArray(value)) {
    const [uid, packet] = value as unknown[];
    return {
      format,
      kind: 'broadcast',
      name: 'BROADCAST',
      uid: stringOrNothing(uid),
      event: eventOf(packet),
      value: safeValue(),
    };
  }
  const isResponse = channel.includes('-response#');
  return {
    format,
    kind: isResponse ? 'response' : 'request',
    name: type !== undefined ? REQUEST_TYPES[type] : isResponse ? 'RESPONSE' : undefined,
    uid: stringOrNothing(m.uid),
    value: safeValue(),
  };
}

function stringOrNothing(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 64) : undefined;
}

/** What a flow id the lab made looks like (`s1-17@k3f9`); anything else in a tag is not the lab's. */
const FLOW_TAG = /^[\w.:-]{1,64}(@[a-z0-9]{1,16})?$/;

type Tags = { labFlow?: unknown; labFrom?: unknown };

/** Where the lab puts its tags: broadcast flags, a request's top level, or its opts' flags. */
function tagsOf(value: unknown): Tags | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return flagsOf(value[2]);
  const m = value as Tags & { opts?: unknown; data?: { opts?: unknown } };
  if (m.labFlow !== undefined) return m;
  return flagsOf(m.opts) ?? flagsOf(m.data?.opts);
}

function flagsOf(opts: unknown): Tags | undefined {
  const flags = (opts as { flags?: unknown } | null | undefined)?.flags;
  return flags !== null && typeof flags === 'object' ? (flags as Tags) : undefined;
}

/** The lab's flow tag inside a decoded payload, wherever the lab put it. */
export function flowTagOf(value: unknown): string | undefined {
  const tag = tagsOf(value)?.labFlow;
  return typeof tag === 'string' && FLOW_TAG.test(tag) ? tag : undefined;
}

/** The lab a flow id belongs to: `s1-17@k3f9` is lab k3f9's. */
export function labOfFlow(flow: string | undefined): string | undefined {
  const at = flow?.lastIndexOf('@') ?? -1;
  return at < 0 ? undefined : flow!.slice(at + 1);
}

/**
 * Who published a decoded payload, seen from lab `ours`: nothing when one of our servers did.
 * A server tags what it publishes with its flow, and with `labFrom` when it answers another
 * lab's flow. A payload with no tag was published by no lab server: redis-cli, an emitter, a
 * forger. (A forger who copies a tag is not caught: that is what ACLs are for.)
 */
export function foreignOf(
  value: unknown,
  ours: string,
  flowTag = flowTagOf(value),
): { foreign?: Foreign; otherLab?: string } {
  const tags = tagsOf(value);
  const from = typeof tags?.labFrom === 'string' ? tags.labFrom : labOfFlow(flowTag);
  if (from === ours) return {};
  if (from === undefined || !/^[a-z0-9]{1,16}$/.test(from)) return { foreign: 'outside' };
  return { foreign: 'other-lab', otherLab: from };
}

/** Payloads over this are hashed, never decoded a second time, for their flow. */
const DECODE_FOR_FLOW_MAX = 1024 * 1024;

/** The flow of a payload: the lab's tag when present, else a hash that every receiver computes alike. */
export function flowOf(payload: Buffer): string {
  if (payload.length > DECODE_FOR_FLOW_MAX) return hashFlowId(payload);
  return flowTagOf(decodeRaw(payload).value) ?? hashFlowId(payload);
}

export function hexPreview(buf: Buffer, max = 256): string {
  return buf.subarray(0, max).toString('hex');
}
