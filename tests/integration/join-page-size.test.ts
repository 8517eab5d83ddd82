/**
 * The phone page loads over a classroom's Wi-Fi, often a crowded one: everything /join fetches
 * (the HTML, its stylesheets, its script and every chunk that script imports) stays under 100 kB
 * gzipped, and none of it is the lab page's (D3, the trace model, the stage).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), 'fanout-join-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const JOIN_PAGE_BUDGET = 100 * 1024;

/** The files a browser fetches for `html`, following the static imports of each script. */
function filesOf(html: string): string[] {
  const seen = new Set<string>();
  const queue = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+)"/g)].map((m) => m[1]);
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(path.join(out, file), 'utf8');
    for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+\.js)["']/g))
      queue.push(`assets/${m[1]}`);
  }
  return [...seen];
}

it("keeps the phone page under 100 kB gzipped, without the lab page's code", async () => {
  const { build } = await import('vite');
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir: out, emptyOutDir: true },
  });
  const html = readFileSync(path.join(out, 'join.html'), 'utf8');
  const files = filesOf(html);
  expect(files.some((f) => f.endsWith('.js'))).toBe(true);
  const gzipped = (text: Buffer | string) => gzipSync(text, { level: 9 }).length;
  const total =
    gzipped(html) + files.reduce((n, f) => n + gzipped(readFileSync(path.join(out, f))), 0);
  console.log(`/join: ${files.length + 1} files, ${(total / 1024).toFixed(1)} kB gzipped`);
  expect(total).toBeLessThanOrEqual(JOIN_PAGE_BUDGET);
  // The lab page's chunk (the stage, D3, the trace model) never comes along.
  expect(files.filter((f) => path.basename(f).startsWith('main-'))).toEqual([]);
}, 120_000);
