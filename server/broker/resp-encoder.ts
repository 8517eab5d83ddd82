/**
 * Reply values and their RESP2/RESP3 wire forms. Commands build a `Reply` once and the
 * connection encodes it for the protocol it negotiated, so no command has to care
 * whether a map goes out as `%` (RESP3) or as a flat array (RESP2).
 */

export type Protocol = 2 | 3;

export type Reply =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number }
  | { t: 'bulk'; v: Buffer | string }
  /** RESP2 `$-1`, RESP3 `_`. */
  | { t: 'null' }
  /** RESP2 `*-1`, RESP3 `_`. */
  | { t: 'nullArray' }
  | { t: 'array'; v: Reply[] }
  | { t: 'set'; v: Reply[] }
  | { t: 'map'; v: [Reply, Reply][] }
  /** Out-of-band data: RESP3 `>`, a plain array in RESP2. */
  | { t: 'push'; v: Reply[] }
  /** RESP3 verbatim text (`=N\r\ntxt:...`), a bulk string in RESP2. */
  | { t: 'verbatim'; v: string };

export const simple = (v: string): Reply => ({ t: 'simple', v });
export const error = (v: string): Reply => ({ t: 'error', v });
export const int = (v: number): Reply => ({ t: 'int', v });
export const bulk = (v: Buffer | string): Reply => ({ t: 'bulk', v });
export const array = (v: Reply[]): Reply => ({ t: 'array', v });
export const push = (v: Reply[]): Reply => ({ t: 'push', v });
export const NULL: Reply = { t: 'null' };
export const OK: Reply = simple('OK');

const CRLF = '\r\n';

/** PUBLISH and the subscribe confirmations answer small integers all day; encode them once. */
const SMALL_INTS = Array.from({ length: 1024 }, (_, n) => Buffer.from(`:${n}\r\n`));

/** Encodes a reply for one protocol. Strings are UTF-8; Buffers go out as they are. */
export function encodeReply(reply: Reply, proto: Protocol): Buffer {
  if (reply.t === 'int' && reply.v >= 0 && reply.v < 1024 && Number.isInteger(reply.v)) {
    return SMALL_INTS[reply.v];
  }
  const parts: (string | Buffer)[] = [];
  write(reply, proto, parts);
  if (parts.length === 1) return toBuffer(parts[0]);
  return Buffer.concat(parts.map(toBuffer));
}

function toBuffer(part: string | Buffer): Buffer {
  return typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
}

function header(prefix: string, n: number, parts: (string | Buffer)[]): void {
  parts.push(`${prefix}${n}${CRLF}`);
}

function write(reply: Reply, proto: Protocol, parts: (string | Buffer)[]): void {
  switch (reply.t) {
    case 'simple':
      // A CR or LF would end the line early, so Redis replaces them with spaces.
      parts.push(`+${reply.v.replace(/[\r\n]/g, ' ')}${CRLF}`);
      return;
    case 'error': {
      const text = reply.v.replace(/[\r\n]/g, ' ');
      parts.push(text.startsWith('-') ? `${text}${CRLF}` : `-${text}${CRLF}`);
      return;
    }
    case 'int':
      parts.push(`:${reply.v}${CRLF}`);
      return;
    case 'bulk': {
      const len = typeof reply.v === 'string' ? Buffer.byteLength(reply.v) : reply.v.length;
      header('$', len, parts);
      parts.push(reply.v, CRLF);
      return;
    }
    case 'null':
      parts.push(proto === 3 ? `_${CRLF}` : `$-1${CRLF}`);
      return;
    case 'nullArray':
      parts.push(proto === 3 ? `_${CRLF}` : `*-1${CRLF}`);
      return;
    case 'verbatim': {
      if (proto === 2) return write(bulk(reply.v), proto, parts);
      header('=', Buffer.byteLength(reply.v) + 4, parts);
      parts.push(`txt:${reply.v}${CRLF}`);
      return;
    }
    case 'array':
    case 'set':
    case 'push': {
      const prefix = proto === 2 ? '*' : reply.t === 'array' ? '*' : reply.t === 'set' ? '~' : '>';
      header(prefix, reply.v.length, parts);
      for (const item of reply.v) write(item, proto, parts);
      return;
    }
    case 'map': {
      if (proto === 3) header('%', reply.v.length, parts);
      else header('*', reply.v.length * 2, parts);
      for (const [k, v] of reply.v) {
        write(k, proto, parts);
        write(v, proto, parts);
      }
      return;
    }
  }
}

/** Encodes an array of bulk strings as a command, the way clients send them. */
export function encodeCommand(args: (string | Buffer)[]): Buffer {
  return encodeReply(array(args.map(bulk)), 2);
}
