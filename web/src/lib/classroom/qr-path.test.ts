import { describe, expect, it } from 'vitest';
import { create } from 'qrcode';
import { qrPath } from './qr-path.ts';

describe('qrPath', () => {
  it('draws each run of dark modules on a row as one rectangle', () => {
    const m = { size: 3, data: [1, 1, 0, 0, 0, 0, 1, 0, 1] };
    expect(qrPath(m)).toBe('M0 0h2v1h-2zM0 2h1v1h-1zM2 2h1v1h-1z');
  });

  it('covers exactly the dark modules of a real code of the join address', () => {
    const { modules } = create('http://192.168.1.20:4000/join', { errorCorrectionLevel: 'M' });
    const d = qrPath(modules);
    let covered = 0;
    for (const [, w] of d.matchAll(/h(\d+)v1/g)) covered += Number(w);
    const dark = Array.from(modules.data).filter(Boolean).length;
    expect(covered).toBe(dark);
    expect(modules.size).toBeGreaterThanOrEqual(25);
  });
});
