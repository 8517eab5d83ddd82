/**
 * A connection's pending output as one growing byte buffer, like Redis's client reply buffer.
 * Replies and pushes are copied straight in, so fan-out allocates nothing per message and a
 * flush is a single write of one contiguous buffer.
 */
export class OutputBuffer {
  private buf: Buffer;
  private used = 0;

  constructor(private readonly initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.used;
  }

  private ensure(extra: number): void {
    const need = this.used + extra;
    if (need <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    bigger.set(this.buf.subarray(0, this.used));
    this.buf = bigger;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    // TypedArray#set: Buffer#copy's argument checks cost more than copying a short message.
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  /** ASCII only (headers, lengths): one byte per char. */
  ascii(s: string): void {
    this.ensure(s.length);
    this.used += this.buf.write(s, this.used, 'latin1');
  }

  /** A bulk string: `$<len>\r\n<bytes>\r\n`. */
  bulk(b: Buffer): void {
    const n = b.length;
    this.ensure(n + 16);
    const buf = this.buf;
    let at = this.used;
    buf[at++] = 0x24; // $
    // Digits by hand: a native string write per bulk costs more than the copy of a short message.
    if (n < 10) {
      buf[at++] = 0x30 + n;
    } else {
      const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : Math.floor(Math.log10(n)) + 1;
      for (let i = digits - 1, v = n; i >= 0; i--, v = Math.floor(v / 10))
        buf[at + i] = 0x30 + (v % 10);
      at += digits;
    }
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    buf.set(b, at);
    at += n;
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    this.used = at;
  }

  /**
   * Hands out what was written and starts a new buffer: the socket keeps the old one until it
   * is sent, so it must not be written into again. The next buffer is sized for this flush.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.used);
    const next = Math.min(Math.max(this.initialSize, this.used), 1 << 20);
    this.buf = Buffer.allocUnsafe(next);
    this.used = 0;
    return out;
  }

  clear(): void {
    this.used = 0;
  }
}
