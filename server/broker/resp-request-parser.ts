/**
 * Incremental parser for what clients send: RESP multibulk (`*2\r\n$4\r\nPING\r\n...`)
 * and inline commands (`PING hello\r\n`), following Redis's processMultibulkBuffer and
 * processInlineBuffer (networking.c, 7.x) so that malformed input gets the same
 * `Protocol error: ...` text a real Redis gives.
 */

/** Redis's PROTO_INLINE_MAX_SIZE: the longest line read while looking for a CRLF. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Redis's default proto-max-bulk-len. */
export const DEFAULT_MAX_BULK_LEN = 512 * 1024 * 1024;
const INT_MAX = 2 ** 31 - 1;
/** Redis's client-query-buffer-limit default: one command may not hold more than this. */
export const QUERY_BUFFER_LIMIT = 1024 * 1024 * 1024;
/** What an argument costs beyond its bytes (the Buffer view and its slot), for that limit. */
const ARG_OVERHEAD = 64;

export interface RequestParserOptions {
  maxBulkLen?: number;
  /** Like client-query-buffer-limit: the most one command may hold; default 1 GiB. */
  queryBufferLimit?: number;
  /** While true (a password is set and the client has not authenticated), Redis caps sizes hard. */
  authRequired?: () => boolean;
}

export type ParseResult =
  | { kind: 'command'; argv: Buffer[] }
  /** `silent`: Redis closes without replying (the query buffer limit). */
  | { kind: 'error'; message: string; silent?: boolean }
  | { kind: 'incomplete' };

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Arguments still expected by the multibulk being read; 0 when between commands. */
  private multibulkLen = 0;
  private bulkLen = -1;
  private argv: Buffer[] = [];
  /** Bytes the command being read holds so far, counted against QUERY_BUFFER_LIMIT. */
  private argvBytes = 0;
  private failed = false;
  private readonly maxBulkLen: number;
  private readonly queryBufferLimit: number;
  private readonly authRequired: () => boolean;

  constructor(opts: RequestParserOptions = {}) {
    this.maxBulkLen = opts.maxBulkLen ?? DEFAULT_MAX_BULK_LEN;
    this.queryBufferLimit = opts.queryBufferLimit ?? QUERY_BUFFER_LIMIT;
    this.authRequired = opts.authRequired ?? (() => false);
  }

  /** Bytes received but not yet consumed by a complete command. */
  get pendingBytes(): number {
    return this.buf.length - this.pos;
  }

  feed(chunk: Buffer): void {
    if (this.failed) return;
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next complete command, a protocol error (after which the parser stops), or `incomplete`. */
  next(): ParseResult {
    if (this.failed) return { kind: 'incomplete' };
    for (;;) {
      if (this.pos >= this.buf.length) return { kind: 'incomplete' };
      const result =
        this.multibulkLen > 0 || this.buf[this.pos] === 0x2a /* '*' */
          ? this.readMultibulk()
          : this.readInline();
      if (result === 'again') continue;
      if (result.kind === 'error') this.failed = true;
      return result;
    }
  }

  private fail(message: string): ParseResult {
    return { kind: 'error', message: `Protocol error: ${message}` };
  }

  private readInline(): ParseResult | 'again' {
    const newline = this.buf.indexOf(0x0a, this.pos);
    if (newline === -1) {
      if (this.buf.length - this.pos > INLINE_MAX_SIZE) return this.fail('too big inline request');
      return { kind: 'incomplete' };
    }
    let end = newline;
    if (end !== this.pos && this.buf[end - 1] === 0x0d) end--;
    const line = this.buf.subarray(this.pos, end);
    this.pos = newline + 1;
    const argv = splitArgs(line);
    if (argv === null) return this.fail('unbalanced quotes in request');
    // An empty line is a keepalive in Redis, not a command.
    if (argv.length === 0) return 'again';
    return { kind: 'command', argv };
  }

  /**
   * Reads the integer of a header line `<prefix><int>\r\n` at pos. Returns null while the CRLF
   * has not arrived, a ParseResult for a line that is too long, or the value and where the next
   * line starts (value NaN when the digits are not a valid Redis integer).
   */
  private headerInt(tooBig: string): { value: number; next: number } | ParseResult | null {
    const cr = this.buf.indexOf(0x0d, this.pos);
    if (cr === -1) {
      if (this.buf.length - this.pos > INLINE_MAX_SIZE) return this.fail(tooBig);
      return null;
    }
    // Redis waits for the byte after '\r' too, without checking that it is '\n'.
    if (cr + 1 >= this.buf.length) return null;
    return { value: parseIntBytes(this.buf, this.pos + 1, cr), next: cr + 2 };
  }

  private readMultibulk(): ParseResult | 'again' {
    if (this.multibulkLen === 0) {
      const header = this.headerInt('too big mbulk count string');
      if (header === null) return { kind: 'incomplete' };
      if ('kind' in header) return header;
      const n = header.value;
      if (Number.isNaN(n) || n > INT_MAX) return this.fail('invalid multibulk length');
      if (n > 10 && this.authRequired()) return this.fail('unauthenticated multibulk length');
      this.pos = header.next;
      if (n <= 0) return 'again';
      this.multibulkLen = n;
      this.argv = [];
      this.argvBytes = 0;
    }
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const header = this.headerInt('too big bulk count string');
        if (header === null) return { kind: 'incomplete' };
        if ('kind' in header) return header;
        const first = this.buf[this.pos];
        if (first !== 0x24 /* '$' */) {
          return this.fail(`expected '$', got '${String.fromCharCode(first)}'`);
        }
        const n = header.value;
        if (Number.isNaN(n) || n < 0 || n > this.maxBulkLen)
          return this.fail('invalid bulk length');
        if (n > 16384 && this.authRequired()) return this.fail('unauthenticated bulk length');
        this.pos = header.next;
        this.bulkLen = n;
      }
      if (this.buf.length - this.pos < this.bulkLen + 2) return { kind: 'incomplete' };
      // A view, not a copy: feed() never writes into a buffer it has handed out.
      this.argv.push(this.buf.subarray(this.pos, this.pos + this.bulkLen));
      // Millions of empty arguments cost memory too; Redis closes such a client, so do we.
      this.argvBytes += this.bulkLen + ARG_OVERHEAD;
      if (this.argvBytes > this.queryBufferLimit) {
        return { kind: 'error', message: 'query buffer limit reached', silent: true };
      }
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    const argv = this.argv;
    this.argv = [];
    return { kind: 'command', argv };
  }
}

/** parseRedisInt over bytes [start, end) without making a string first: NaN when invalid. */
export function parseIntBytes(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  const digits = end - i;
  if (digits <= 0 || digits > 19) return NaN;
  // Leading zeros are refused, and so is "-0".
  if (buf[i] === 0x30 && (digits > 1 || negative)) return NaN;
  let value = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  // Only 19-digit numbers can overflow int64; check those exactly.
  if (digits === 19 && parseRedisInt(buf.toString('latin1', start, end)) === null) return NaN;
  return negative ? -value : value;
}

/** Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, fits in int64. */
export function parseRedisInt(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text)) return null;
  const big = BigInt(text);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  return Number(big);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const ESCAPES: Record<number, number> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x61: 0x07,
};

/** Redis's sdssplitargs: inline arguments with "double" (escapes, \xHH) and 'single' quotes. */
export function splitArgs(input: Buffer): Buffer[] | null {
  // The C code walks a NUL-terminated string, so a NUL byte ends the line.
  const nul = input.indexOf(0);
  const line = nul === -1 ? input : input.subarray(0, nul);
  const n = line.length;
  const args: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return args;
    const cur: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (; ; i++) {
      const atEnd = i >= n;
      const c = atEnd ? 0 : line[i];
      if (inDouble) {
        if (atEnd) return null;
        const hi = i + 3 < n && line[i + 1] === 0x78 ? hexValue(line[i + 2]) : -1;
        const lo = hi >= 0 ? hexValue(line[i + 3]) : -1;
        if (c === 0x5c && lo >= 0) {
          cur.push(hi * 16 + lo);
          i += 3;
        } else if (c === 0x5c && i + 1 < n) {
          i++;
          cur.push(ESCAPES[line[i]] ?? line[i]);
        } else if (c === 0x22) {
          // A closing quote must be followed by a space or the end of the line.
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else cur.push(c);
      } else if (inSingle) {
        if (atEnd) return null;
        if (c === 0x5c && i + 1 < n && line[i + 1] === 0x27) {
          i++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else cur.push(c);
      } else if (atEnd || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        // Unquoted words end on these four only; \v and \f stay inside the word, as in C.
        break;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else cur.push(c);
    }
    args.push(Buffer.from(cur));
  }
}
