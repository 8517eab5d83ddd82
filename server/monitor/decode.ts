/**
 * Decodes what the adapters put on the wire, so a viewer sees `[uid, packet, opts]` and the
 * request objects instead of bytes. Formats (see docs/trace.md):
 * - classic broadcasts: msgpack (notepack.io) `[uid, packet, opts]`;
 * - classic requests and responses: JSON when the first byte is `{`, else msgpack;
 * - sharded (ClusterAdapter) messages: `{uid, nsp, type, data}`, JSON unless they carry binary.
 */
import { decode as msgpackDecode } from 'notepack.io';
import type { DecodedMessage } from '../../trace/events.ts';
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

/** The raw value of a payload: JSON or msgpack, by its first byte, as the adapters decide. */
export function decodeRaw(buf: Buffer): { format: DecodedMessage['format']; value: unknown } {
  if (buf[0] === 0x7b) {
    try {
      return { format: 'json', value: JSON.parse(buf.toString('utf8')) };
    } catch {
      return { format: 'unknown', value: null };
    }
  }
  try {
    return { format: 'msgpack', value: msgpackDecode(buf) };
  } catch {
    return { format: 'unknown', value: null };
  }
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
  const data = (packet as { data?: unknown[] } | undefined)?.data;
  return Array.isArray(data) && typeof data[0] === 'string' ? data[0] : undefined;
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

/** Describes a payload already decoded (the adapter decodes broadcasts itself; no need to twice). */
export function describeMessage(
  family: AdapterFamily,
  channel: string,
  format: DecodedMessage['format'],
  value: unknown,
): DecodedMessage {
  if (format === 'unknown') return { format, kind: 'unknown', value: null };
  if (family === 'sharded') {
    const m = value as { uid?: string; type?: number; data?: { packet?: unknown } };
    const name = CLUSTER_TYPES[m?.type ?? -1];
    const isResponse = /RESPONSE|CLIENT_COUNT|BROADCAST_ACK/.test(name ?? '');
    return {
      format,
      kind: name === 'BROADCAST' ? 'broadcast' : isResponse ? 'response' : 'request',
      name,
      uid: m?.uid,
      event: eventOf(m?.data?.packet),
      value: jsonSafe(value),
    };
  }
  if (Array.isArray(value)) {
    const [uid, packet] = value as [string, unknown];
    return {
      format,
      kind: 'broadcast',
      name: 'BROADCAST',
      uid,
      event: eventOf(packet),
      value: jsonSafe(value),
    };
  }
  const m = value as { uid?: string; type?: number; requestId?: string };
  const isResponse = channel.includes('-response#');
  return {
    format,
    kind: isResponse ? 'response' : 'request',
    name: m?.type !== undefined ? REQUEST_TYPES[m.type] : isResponse ? 'RESPONSE' : undefined,
    uid: m?.uid,
    value: jsonSafe(value),
  };
}

/** The lab's flow tag inside a decoded payload, wherever the lab put it. */
export function flowTagOf(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const opts = value[2] as { flags?: { labFlow?: unknown } } | undefined;
    return typeof opts?.flags?.labFlow === 'string' ? opts.flags.labFlow : undefined;
  }
  const m = value as {
    labFlow?: unknown;
    data?: { opts?: { flags?: { labFlow?: unknown } } };
  } | null;
  if (typeof m?.labFlow === 'string') return m.labFlow;
  const nested = m?.data?.opts?.flags?.labFlow;
  return typeof nested === 'string' ? nested : undefined;
}

/** The flow of a payload: the lab's tag when present, else a hash that every receiver computes alike. */
export function flowOf(payload: Buffer): string {
  return flowTagOf(decodeRaw(payload).value) ?? hashFlowId(payload);
}

export function hexPreview(buf: Buffer, max = 256): string {
  return buf.subarray(0, max).toString('hex');
}
