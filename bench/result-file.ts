import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What machine a result came from: benchmarks on shared machines only make sense as ratios. */
export function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Writes `bench/results/<name>-<timestamp>.json` and returns its path. */
export function writeResult(name: string, data: unknown): string {
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${name}-${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { name, at: new Date().toISOString(), machine: machine(), ...(data as object) },
      null,
      2,
    ) + '\n',
  );
  return file;
}
