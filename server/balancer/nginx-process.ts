/**
 * nginx run by the lab: in the foreground (`daemon off`), from a folder of its own under the
 * system's temp folder (config, pid file, error log, temp files), as root or as a normal user.
 *
 * It runs as a WatchedChild, so no nginx is left holding the balancer's port when the lab ends in
 * whatever way. Changes are a new config and a SIGHUP, after which the lab waits until the new
 * workers answer (STATUS_PATH serves the generation).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PortInUseError } from '../server-node.ts';
import { hostPort, upstreamHost } from './balancer-modes.ts';
import { STATUS_PATH } from './nginx-config.ts';
import { WatchedChild } from '../watched-child.ts';

/** The nginx executable on `pathEnv` (PATH's syntax), or null. */
export function findNginx(pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export class NginxError extends Error {}

/** Resolves once nothing listens on host:port, or throws the sentence for --balancer-port. */
async function checkPortFree(host: string, port: number): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
  if (!free) throw new PortInUseError(port, '--balancer-port');
}

export class NginxProcess {
  private child: WatchedChild | null = null;

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Writes the config, checks it with `nginx -t`, starts nginx, and waits until it answers. */
  static async start(
    bin: string,
    host: string,
    port: number,
    config: (dir: string) => string,
    generation: number,
  ): Promise<NginxProcess> {
    await checkPortFree(host, port);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fanout-lab-nginx-'));
    // Run as root, nginx's workers are `nobody`: they must get through to the temp folders.
    chmodSync(dir, 0o755);
    const nginx = new NginxProcess(bin, dir, host, port);
    try {
      await nginx.write(config(dir));
      await nginx.launch();
      await nginx.waitForGeneration(generation);
    } catch (err) {
      await nginx.stop();
      throw err;
    }
    return nginx;
  }

  /** Writes the config; `check` runs `nginx -t` on it first (about 0.2 s), for a clear refusal. */
  private async write(text: string, check = true): Promise<void> {
    writeFileSync(path.join(this.dir, 'nginx.conf'), text);
    if (!check) return;
    const args = ['-t', '-q', '-p', `${this.dir}/`, '-c', `${this.dir}/nginx.conf`];
    const { code, output } = await run(this.bin, [...args, '-e', `${this.dir}/error.log`]);
    if (code !== 0) throw new NginxError(`nginx refused the lab's config: ${firstError(output)}`);
  }

  private async launch(): Promise<void> {
    const dir = this.dir;
    this.child = new WatchedChild(this.bin, [
      '-p',
      `${dir}/`,
      '-c',
      `${dir}/nginx.conf`,
      '-e',
      `${dir}/error.log`,
    ]);
    await this.child.started.catch((err: Error) => {
      throw new NginxError(`nginx did not start: ${err.message}`);
    });
  }

  /** Rewrites the config and reloads; resolves once nginx serves `generation`. */
  async reload(config: string, generation: number): Promise<void> {
    // No `nginx -t` here: a reload checks the config itself and keeps the old one on an error,
    // which waitForGeneration reports from the log.
    await this.write(config, false);
    this.child?.signal('SIGHUP');
    await this.waitForGeneration(generation);
  }

  /**
   * Polls STATUS_PATH on fresh connections until it answers `generation` (new workers are up),
   * then until the old worker has said it is shutting down (it has closed the listening
   * socket, so no new request can reach the old config). Fails when nginx exits.
   */
  private async waitForGeneration(generation: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    const gone = () => !this.child?.running;
    const shutdownsBefore = generation > 1 ? await this.count('gracefully shutting down') : 0;
    const errorsBefore = await this.count('[emerg]');
    while ((await this.status()) !== generation) {
      if (gone()) throw new NginxError(`nginx exited: ${await this.lastError()}`);
      if ((await this.count('[emerg]')) > errorsBefore)
        throw new NginxError(`nginx refused the lab's config: ${await this.lastError()}`);
      if (Date.now() > deadline) throw new NginxError('nginx did not take its new config in 10 s.');
      await new Promise((r) => setTimeout(r, 20));
    }
    if (generation === 1) return;
    while ((await this.count('gracefully shutting down')) <= shutdownsBefore) {
      if (gone() || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private status(): Promise<number | null> {
    const host = upstreamHost(this.host);
    return new Promise((resolve) => {
      const req = http.get(
        { host, port: this.port, path: STATUS_PATH, agent: false, timeout: 1000 },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            try {
              resolve((JSON.parse(body) as { generation: number }).generation);
            } catch {
              resolve(null);
            }
          });
        },
      );
      req.on('error', () => resolve(null));
      req.on('timeout', () => req.destroy());
    });
  }

  private async count(text: string): Promise<number> {
    const log = await readFile(path.join(this.dir, 'error.log'), 'utf8').catch(() => '');
    return log.split(text).length - 1;
  }

  private async lastError(): Promise<string> {
    const log = await readFile(path.join(this.dir, 'error.log'), 'utf8').catch(() => '');
    return firstError(`${this.child?.stderr ?? ''}\n${log}`);
  }

  /** False once nginx has exited (something outside the lab ended it, say). */
  get running(): boolean {
    return this.child?.running ?? false;
  }

  get address(): string {
    return hostPort(upstreamHost(this.host), this.port);
  }

  /** Fast shutdown (SIGTERM: open connections are closed), bounded; the folder goes too. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await child?.stop(2000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The first [emerg] or [alert] line nginx wrote, without its timestamp. */
function firstError(output: string): string {
  const line =
    output
      .split('\n')
      .find((l) => /\[(emerg|alert|crit|error)\]/.test(l) || l.startsWith('nginx: [')) ??
    output.trim();
  return (
    line.replace(/^.*?\[(emerg|alert|crit|error)\]\s*(\d+#\d+:\s*)?/, '').trim() ||
    'no reason given'
  );
}

function run(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err) => resolve({ code: -1, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}
