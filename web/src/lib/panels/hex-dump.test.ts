import { describe, expect, it } from 'vitest';
import { hexRows } from './hex-dump.ts';

describe('hexRows', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['6869', ['0000  68 69' + ' '.repeat(44) + 'hi']],
  ])('%s', (hex, want) => expect(hexRows(hex)).toEqual(want));

  it('wraps at 16 bytes and shows dots for unprintable bytes', () => {
    const rows = hexRows('00'.repeat(17));
    expect(rows).toHaveLength(2);
    expect(rows[1].startsWith('0010  00')).toBe(true);
    expect(rows[0].endsWith('.'.repeat(16))).toBe(true);
  });
});
