/** Runs tests/support/plain-server.mjs: a Socket.IO server with the real adapter and no lab. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./plain-server.mjs', import.meta.url));

export interface PlainServer {
  port: number;
  /** Resolves when the process ends, with its exit code and what it wrote to stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

export function startPlainServer(url: string, adapter: 'redis' | 'sharded'): Promise<PlainServer> {
  const child = spawn(process.execPath, [SCRIPT, url, adapter], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the plain server did not start: ${stderr}`)),
      15_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(String(d));
      if (!m) return;
      clearTimeout(timer);
      resolve({ port: Number(m[1]), exited, stop: () => child.kill('SIGKILL') });
    });
    void exited.then(() => reject(new Error(`the plain server exited at start: ${stderr}`)));
  });
}
