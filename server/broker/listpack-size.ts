import { parseIntBytes } from './resp-request-parser.ts';

/**
 * How many bytes Redis 7.0 spends on one listpack element (listpack.c). A stream keeps its
 * entries in listpacks of at most 4096 bytes and 100 entries, and `MAXLEN ~` only ever drops
 * whole listpacks; the broker counts the same bytes so that it trims exactly where Redis does.
 */

/** Header (total bytes, element count) plus the end byte of an empty listpack. */
export const EMPTY_LISTPACK_BYTES = 7;

/** The back-length after each element: 1 to 5 bytes for the element's own encoded length. */
function backlenBytes(encoded: number): number {
  if (encoded <= 127) return 1;
  if (encoded < 16383) return 2;
  if (encoded < 2097151) return 3;
  if (encoded < 268435455) return 4;
  return 5;
}

/** An integer element: 7-bit, 13, 16, 24, 32 or 64-bit encodings, plus a 1-byte back-length. */
export function intElementBytes(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** A string element; strings that read as a canonical int64 are stored as integers. */
export function stringElementBytes(s: Buffer): number {
  const len = s.length;
  if (len > 0 && len < 21) {
    const v = parseIntBytes(s, 0, len);
    if (!Number.isNaN(v)) return intElementBytes(v);
  }
  const encoded = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return encoded + backlenBytes(encoded);
}
