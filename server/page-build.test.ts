import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageIsStale } from './page-build.ts';

/** A repo-shaped folder: web/ and trace/ sources, and a build in dist/web. */
function repo(): { root: string; built: string; touch: (file: string, seconds: number) => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'page-build-'));
  const built = path.join(root, 'dist', 'web');
  const touch = (file: string, seconds: number) => {
    const p = path.join(root, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, '');
    utimesSync(p, seconds, seconds);
  };
  return { root, built, touch };
}

describe('pageIsStale', () => {
  it('is stale with no build, fresh once the build is newer than every source', () => {
    const { root, built, touch } = repo();
    touch('web/src/main.ts', 1000);
    touch('trace/events.ts', 1000);
    expect(pageIsStale(root, built)).toBe(true);
    touch('dist/web/index.html', 2000);
    expect(pageIsStale(root, built)).toBe(false);
  });

  it('is stale when trace/ changed after the build (the page is built with it)', () => {
    const { root, built, touch } = repo();
    touch('web/src/main.ts', 1000);
    touch('dist/web/index.html', 2000);
    touch('trace/deep/events.ts', 3000);
    expect(pageIsStale(root, built)).toBe(true);
  });
});
