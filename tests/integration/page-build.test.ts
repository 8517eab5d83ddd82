/**
 * The first `npm start` builds the page: the build must say nothing unless something is wrong
 * (a newcomer reads Vite's chunk-size advice and a plugin timing report as errors).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), 'fanout-page-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('builds the page quietly, in chunks under 500 kB, the lessons on their own', async () => {
  const { build, createLogger } = await import('vite');
  const said: string[] = [];
  const logger = createLogger('warn');
  logger.warn = (msg) => void said.push(msg);
  logger.warnOnce = (msg) => void said.push(msg);
  logger.error = (msg) => void said.push(msg);
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir: out, emptyOutDir: true },
  });
  expect(said).toEqual([]);
  const assets = readdirSync(path.join(out, 'assets'));
  for (const f of assets.filter((a) => a.endsWith('.js')))
    expect(statSync(path.join(out, 'assets', f)).size, f).toBeLessThan(500 * 1024);
  expect(assets.some((a) => a.startsWith('LessonsPanel-'))).toBe(true);
}, 120_000);
