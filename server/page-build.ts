/**
 * The page's build in dist/web, made again whenever its sources are newer: the page is built with
 * trace/ in it, so a new event kind or trace version must reach it, or a page from before an update
 * would refuse every batch the servers send ("newer than this lab understands").
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, WEB_ROOT } from './hub/static-files.ts';

/** The newest modification time of a file in `dir` (or of `dir` itself, a file). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  if (!statSync(dir).isDirectory()) return statSync(dir).mtimeMs;
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    t = Math.max(t, newest(path.join(dir, entry.name)));
  }
  return t;
}

const PAGE_SOURCES = ['web', 'trace', 'vite.config.ts'];

/** Whether dist/web is missing or older than any of the page's sources. */
export function pageIsStale(root = REPO_ROOT, built = WEB_ROOT): boolean {
  const index = path.join(built, 'index.html');
  if (!existsSync(index)) return true;
  const sources = Math.max(...PAGE_SOURCES.map((s) => newest(path.join(root, s))));
  return statSync(index).mtimeMs < sources;
}

/** Builds the page with Vite when it is stale; `say` hears one line before a build. */
export async function buildPageIfStale(say: (line: string) => void = () => {}): Promise<void> {
  if (!pageIsStale()) return;
  say(
    existsSync(path.join(WEB_ROOT, 'index.html'))
      ? 'Building the page again (its sources changed since the last build, about 10 s)...'
      : 'Building the page (first start only, about 10 s)...',
  );
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
