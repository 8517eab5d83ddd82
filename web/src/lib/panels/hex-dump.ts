/** Hex as the inspector shows it: offset, 16 bytes a row, and the printable characters. */
export function hexRows(hex: string | undefined): string[] {
  if (!hex) return [];
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  const bytes: number[] = [];
  for (let i = 0; i + 1 < clean.length; i += 2) bytes.push(parseInt(clean.slice(i, i + 2), 16));
  const rows: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.slice(off, off + 16);
    const hexPart = chunk.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = chunk.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`${off.toString(16).padStart(4, '0')}  ${hexPart.padEnd(47)}  ${text}`);
  }
  return rows;
}
