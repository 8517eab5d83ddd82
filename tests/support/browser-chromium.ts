/**
 * Debian's chromium for the browser tests and the page benchmark (`npx playwright install` can't
 * download browsers here). In CI a missing chromium fails the run; elsewhere the suite says why
 * it skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Throws in CI when chromium is missing; returns null (skip) elsewhere. */
export function requireChromium(): string | null {
  const path = chromiumPath();
  if (path) return path;
  if (process.env.CI === 'true')
    throw new Error('chromium is not on PATH: apt-get install -y chromium, or set CHROMIUM_PATH.');
  return null;
}

export async function launchChromium(path: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

const root = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_DIST = `${root}dist/web`;

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${entry.name}`;
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds the page with Vite's own build() when dist/web has none, or is older than web/ or
 * trace/ (the page is built with trace/ in it: a new event kind or trace version must reach it).
 */
export async function ensurePageBuilt(): Promise<void> {
  const index = `${WEB_DIST}/index.html`;
  const sources = Math.max(newest(`${root}web`), newest(`${root}trace`));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'warn' });
}
