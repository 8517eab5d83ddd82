/**
 * Decoder for what a server sends back (RESP2 and RESP3), keeping each frame's wire type.
 * The broker never reads replies; the differential tests and the benchmark do, and they
 * must see the exact type (push or array, null or empty) to compare with real Redis.
 */

export type Frame =
  | { type: 'simple' | 'error' | 'double' | 'bignum' | 'verbatim' | 'blobError'; value: string }
  | { type: 'int'; value: number }
  | { type: 'bool'; value: boolean }
  /** Bulk strings are latin1 strings so every byte survives; null is `$-1`. */
  | { type: 'bulk'; value: string | null }
  /** RESP3 `_`. */
  | { type: 'null' }
  /** `*-1` is an array with value null. */
  | { type: 'array' | 'set' | 'push'; value: Frame[] | null }
  | { type: 'map' | 'attribute'; value: [Frame, Frame][] };

class Incomplete extends Error {}

export class ReplyDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  /** Adds bytes and returns every frame they complete. Throws on bytes that are not RESP. */
  feed(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const start = this.pos;
      if (start >= this.buf.length) break;
      try {
        frames.push(this.frame());
      } catch (err) {
        if (!(err instanceof Incomplete)) throw err;
        this.pos = start;
        break;
      }
    }
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    return frames;
  }

  private line(): string {
    const cr = this.buf.indexOf('\r\n', this.pos);
    if (cr === -1) throw new Incomplete();
    const text = this.buf.toString('latin1', this.pos, cr);
    this.pos = cr + 2;
    return text;
  }

  private blob(len: number): string {
    if (this.buf.length < this.pos + len + 2) throw new Incomplete();
    const text = this.buf.toString('latin1', this.pos, this.pos + len);
    this.pos += len + 2;
    return text;
  }

  private items(n: number): Frame[] {
    const out: Frame[] = [];
    for (let i = 0; i < n; i++) out.push(this.frame());
    return out;
  }

  private frame(): Frame {
    if (this.pos >= this.buf.length) throw new Incomplete();
    const prefix = String.fromCharCode(this.buf[this.pos++]);
    const text = this.line();
    switch (prefix) {
      case '+':
        return { type: 'simple', value: text };
      case '-':
        return { type: 'error', value: text };
      case ':':
        return { type: 'int', value: Number(text) };
      case ',':
        return { type: 'double', value: text };
      case '(':
        return { type: 'bignum', value: text };
      case '#':
        return { type: 'bool', value: text === 't' };
      case '_':
        return { type: 'null' };
      case '$':
        return { type: 'bulk', value: text === '-1' ? null : this.blob(Number(text)) };
      case '=':
        return { type: 'verbatim', value: this.blob(Number(text)) };
      case '!':
        return { type: 'blobError', value: this.blob(Number(text)) };
      case '*':
        return { type: 'array', value: text === '-1' ? null : this.items(Number(text)) };
      case '~':
        return { type: 'set', value: this.items(Number(text)) };
      case '>':
        return { type: 'push', value: this.items(Number(text)) };
      case '%':
      case '|': {
        const flat = this.items(Number(text) * 2);
        const pairs: [Frame, Frame][] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
        return { type: prefix === '%' ? 'map' : 'attribute', value: pairs };
      }
      default:
        throw new Error(`not RESP: unexpected type byte ${JSON.stringify(prefix)}`);
    }
  }
}
