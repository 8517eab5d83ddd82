/**
 * A QR code as one SVG path, from the `qrcode` package's matrix: one square per dark module,
 * runs of dark modules on a row merged into one rectangle, so a large code stays one small path.
 */
export interface QrMatrix {
  size: number;
  /** Row by row, 1 for a dark module. */
  data: ArrayLike<number | boolean>;
}

export function qrPath(m: QrMatrix): string {
  const parts: string[] = [];
  for (let y = 0; y < m.size; y++) {
    let x = 0;
    while (x < m.size) {
      if (!m.data[y * m.size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < m.size && m.data[y * m.size + x]) x++;
      parts.push(`M${start} ${y}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}
