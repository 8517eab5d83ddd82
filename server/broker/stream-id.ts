import { parseRedisInt } from './resp-request-parser.ts';

/**
 * Stream entry ids as Redis keeps them: two unsigned 64-bit halves, `ms-seq`. One bigint holds
 * both (ms in the high 64 bits), so ids compare with `<`, and the next id is `id + 1n` (a
 * sequence at its maximum carries into the milliseconds, as Redis's streamIncrID does).
 */
export type StreamId = bigint;

const U64 = (1n << 64n) - 1n;
export const MAX_ID: StreamId = (U64 << 64n) | U64;

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64;
}

export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64}`;
}

/**
 * Redis's string2ull: string2ll when that accepts the text, else C's strtoull, which also takes
 * leading spaces, a '+', leading zeros, and a '-' that wraps around (so "-05" is 2^64-5).
 */
function string2ull(text: string): bigint | null {
  if (parseRedisInt(text) !== null) {
    const v = BigInt(text);
    return v < 0n ? null : v;
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(text);
  if (!m) return null;
  const v = BigInt(m[2]);
  if (v > U64) return null;
  return m[1] === '-' ? (U64 + 1n - v) & U64 : v;
}

export interface ParsedId {
  id: StreamId;
  /** False for XADD's `ms-*`: the sequence is for the stream to choose. */
  seqGiven: boolean;
}

export interface IdRules {
  /** The sequence of a bare `ms`: 0 for a start, the maximum for a range's end. */
  missingSeq: bigint;
  /** Refuse the bare `-` and `+` (XADD, XREAD, and exclusive range bounds). */
  strict: boolean;
  /** Accept `ms-*` (XADD only). */
  seqStar?: boolean;
}

/** Redis's streamGenericParseIDOrReply; null where Redis replies INVALID_ID. */
export function parseId(arg: Buffer, rules: IdRules): ParsedId | null {
  if (arg.length > 127) return null;
  // Redis copies the argument into a C string, so a NUL byte ends it.
  let text = arg.toString('latin1');
  const nul = text.indexOf('\0');
  if (nul !== -1) text = text.slice(0, nul);
  if (text === '-' || text === '+') {
    if (rules.strict) return null;
    return { id: text === '-' ? 0n : MAX_ID, seqGiven: true };
  }
  const dash = text.indexOf('-');
  const ms = string2ull(dash === -1 ? text : text.slice(0, dash));
  if (ms === null) return null;
  if (dash === -1) return { id: makeId(ms, rules.missingSeq), seqGiven: true };
  const rest = text.slice(dash + 1);
  if (rules.seqStar && rest === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = string2ull(rest);
  if (seq === null) return null;
  return { id: makeId(ms, seq), seqGiven: true };
}

/** Where XRANGE/XREVRANGE start or end, or the error Redis replies. */
export type Bound = { id: StreamId } | { error: string };

/**
 * A range bound: `-`, `+`, an id, or `(id` for an exclusive bound (Redis 6.2), which moves one
 * id inwards. Exclusive bounds are strict, and cannot step past the ends of the id space.
 */
export function parseBound(arg: Buffer, end: boolean): Bound {
  const missingSeq = end ? (1n << 64n) - 1n : 0n;
  const exclusive = arg.length > 1 && arg[0] === 0x28;
  const parsed = parseId(exclusive ? arg.subarray(1) : arg, { missingSeq, strict: exclusive });
  if (!parsed) return { error: INVALID_ID };
  if (!exclusive) return { id: parsed.id };
  if (!end && parsed.id === MAX_ID) return { error: 'ERR invalid start ID for the interval' };
  if (end && parsed.id === 0n) return { error: 'ERR invalid end ID for the interval' };
  return { id: end ? parsed.id - 1n : parsed.id + 1n };
}
