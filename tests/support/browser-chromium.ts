/**
 * Debian's chromium for the browser tests and the page benchmark (`npx playwright install` can't
 * download browsers here). In CI a missing chromium fails the run; elsewhere the suite says why
 * it skips.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { WEB_ROOT } from '../../server/hub/static-files.ts';
import { buildPageIfStale } from '../../server/page-build.ts';

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

export const WEB_DIST = WEB_ROOT;

/** Builds the page when dist/web has none, or is older than its sources (web/, trace/). */
export async function ensurePageBuilt(): Promise<void> {
  await buildPageIfStale();
}
