/**
 * The figures of a chaos run, into docs/reliability.md and chaos/results/. The doc keeps one
 * block per scenario and size (short or full) between markers, so a run of one scenario
 * (`--only`) replaces its own block and leaves the others' figures where they were.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOC = path.join(ROOT, 'docs', 'reliability.md');

export interface ScenarioResult {
  scenario: string;
  full: boolean;
  seed: number;
  command: string;
  /** The 1-, 5- and 15-minute load averages when it ended. */
  load: number[];
  at: string;
  seconds: number;
  broken: string[];
  /** One or a few lines of markdown: the figures. */
  lines: string[];
  raw: unknown;
}

export function load(): number[] {
  return os.loadavg().map((n) => Math.round(n * 100) / 100);
}

/** chaos/results/<stamp>.json: everything measured, for whoever wants more than the doc says. */
export function writeRaw(results: ScenarioResult[]): string {
  const dir = path.join(ROOT, 'chaos', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ node: process.version, cpus: os.cpus().length, results }, null, 2) + '\n',
  );
  return file;
}

function block(r: ScenarioResult): string {
  const verdict = r.broken.length === 0 ? 'all promises kept' : `${r.broken.length} broken`;
  return [
    ...r.lines,
    '',
    `<sub>\`${r.command}\`, seed ${r.seed}, ${r.at.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds} s, load average ${r.load.join(' / ')} on ${os.cpus().length} cores: ${verdict}.</sub>`,
  ].join('\n');
}

/** Replaces each result's block in the doc (the doc must have its markers). */
export function writeDoc(results: ScenarioResult[]): void {
  if (!existsSync(DOC)) return;
  let doc = readFileSync(DOC, 'utf8');
  for (const r of results) {
    const id = `${r.scenario}:${r.full ? 'full' : 'short'}`;
    const start = `<!-- chaos ${id} -->`;
    const end = `<!-- /chaos ${id} -->`;
    const a = doc.indexOf(start);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) continue;
    doc = `${doc.slice(0, a + start.length)}\n\n${block(r)}\n\n${doc.slice(b)}`;
  }
  writeFileSync(DOC, doc);
}
