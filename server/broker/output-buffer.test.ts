import { describe, expect, it } from 'vitest';
import { OutputBuffer } from './output-buffer.ts';

describe('OutputBuffer', () => {
  it.each([0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 123456])(
    'writes a bulk of %i bytes with the right header',
    (n) => {
      const out = new OutputBuffer(4);
      const body = Buffer.alloc(n, 0x61);
      out.bulk(body);
      expect(out.take().toString('latin1')).toBe(`$${n}\r\n${'a'.repeat(n)}\r\n`);
    },
  );

  it('grows past its first size and keeps everything in order', () => {
    const out = new OutputBuffer(8);
    for (let i = 0; i < 100; i++) out.ascii(`${i},`);
    out.bytes(Buffer.from('end'));
    const expected = Array.from({ length: 100 }, (_, i) => `${i},`).join('') + 'end';
    expect(out.length).toBe(expected.length);
    expect(out.take().toString('latin1')).toBe(expected);
  });

  it('never writes into a buffer it has handed out', () => {
    const out = new OutputBuffer(16);
    out.ascii('first');
    const taken = out.take();
    out.ascii('second');
    expect(taken.toString()).toBe('first');
    expect(out.take().toString()).toBe('second');
    expect(out.length).toBe(0);
  });
});
