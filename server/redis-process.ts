import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port.ts';
import { WatchedChild } from './watched-child.ts';

/** True when a `redis-server` binary can be run from PATH. */
export function redisServerOnPath(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Sends one inline command over a raw socket and resolves with the first reply line. */
export function rawCommand(port: number, command: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = '';
    socket.setTimeout(1000, () => {
      socket.destroy();
      reject(new Error(`no reply from ${host}:${port}`));
    });
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.write(`${command}\r\n`);
  });
}

/**
 * A `redis-server` the lab (or a test) runs itself: loopback only, persistence off,
 * stopped with the process, even when the process is killed (watched-child.ts). It can be
 * stopped and started again on the same port, which is how the lab shows a Redis outage.
 * `extraArgs` are more redis-server flags (a cluster node's, say: server/redis-cluster/).
 */
export class RedisProcess {
  private child: WatchedChild | null = null;

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  static async start(port?: number, extraArgs: string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(port ?? (await freePort()), extraArgs);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = new WatchedChild('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      ...this.extraArgs,
    ]);
    this.child = child;
    void child.exited.then(() => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!this.child)
        throw new Error(`redis-server exited at start: ${child.stderr.trim() || 'no output'}`);
      try {
        if ((await rawCommand(this.port, 'PING')).startsWith('+PONG')) return;
      } catch {
        // not accepting yet
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server did not answer PING on port ${this.port} within 10 s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server (SIGTERM; persistence is off so nothing is written) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await child.stop();
  }
}
