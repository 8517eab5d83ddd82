/**
 * The lab's load balancer: nginx when it is on the PATH, else the Node proxy (node-proxy.ts),
 * in front of the lab's own servers on --balancer-port. The lab tells it its servers after every
 * change (`follow`) and switches its mode (`setMode`); each change is applied one at a time, in
 * order, and only when it changes something (a client connecting reloads nothing).
 */
import { PortInUseError } from '../server-node.ts';
import type { BalancerKind, BalancerMode, Upstream } from './balancer-modes.ts';
import { nginxConfig } from './nginx-config.ts';
import { findNginx, NginxError, NginxProcess } from './nginx-process.ts';
import { NodeProxy } from './node-proxy.ts';

export interface LabBalancerOptions {
  host: string;
  port: number;
  mode: BalancerMode;
  /** Where to look for nginx, with PATH's syntax (default: PATH); tests pass one without it. */
  pathEnv?: string;
  /** Told when nginx could not start and the Node proxy took over, or a change failed. */
  onLog?: (line: string) => void;
}

export interface BalancerInfo {
  port: number;
  mode: BalancerMode;
  kind: BalancerKind;
}

export class LabBalancer {
  private nginxBin: string | null;
  private mode: BalancerMode;
  private servers: Upstream[] = [];
  private nginx: NginxProcess | null = null;
  private node: NodeProxy | null = null;
  private generation = 0;
  /** The mode and servers running now, to skip changes that change nothing. */
  private applied = JSON.stringify(['off']);
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LabBalancerOptions) {
    this.nginxBin = findNginx(options.pathEnv ?? process.env.PATH);
    this.mode = options.mode;
  }

  get kind(): BalancerKind {
    return this.nginxBin ? 'nginx' : 'node';
  }

  info(): BalancerInfo {
    return { port: this.options.port, mode: this.mode, kind: this.kind };
  }

  /** The lab's servers changed: applies them (a reload for nginx); never throws. */
  follow(servers: Upstream[]): Promise<void> {
    this.servers = servers.map((s) => ({ ...s }));
    return this.serial(() => this.apply()).catch((err: Error) =>
      this.options.onLog?.(`The balancer did not take the servers' change: ${err.message}`),
    );
  }

  /** The lab's start: its servers and the mode it was given; throws what went wrong. */
  begin(servers: Upstream[]): Promise<void> {
    this.servers = servers.map((s) => ({ ...s }));
    return this.serial(() => this.apply());
  }

  /** Switches the mode, starting or stopping the balancer as needed; throws what went wrong. */
  setMode(mode: BalancerMode): Promise<void> {
    return this.serial(async () => {
      const before = this.mode;
      this.mode = mode;
      try {
        await this.apply();
      } catch (err) {
        this.mode = before;
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.stopRunning());
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(): Promise<void> {
    const want = JSON.stringify(this.mode === 'off' ? ['off'] : [this.mode, this.servers]);
    if (want === this.applied) return;
    if (this.mode === 'off') {
      await this.stopRunning();
      this.applied = want;
      return;
    }
    const mode = this.mode;
    const generation = ++this.generation;
    const { host, port } = this.options;
    const config = (dir: string) =>
      nginxConfig({ dir, host, port, mode, servers: this.servers, generation });
    if (this.nginx && !this.nginx.running) {
      this.options.onLog?.('nginx had exited; the lab starts it again.');
      await this.nginx.stop();
      this.nginx = null;
    }
    if (this.nginxBin) {
      try {
        if (this.nginx) await this.nginx.reload(config(this.nginx.dir), generation);
        else this.nginx = await NginxProcess.start(this.nginxBin, host, port, config, generation);
      } catch (err) {
        if (!(err instanceof NginxError) || this.nginx) throw err;
        // nginx is there but would not run here: the lab's own proxy does the same job.
        this.options.onLog?.(`${err.message} The lab's Node proxy balances instead.`);
        this.nginxBin = null;
      }
    }
    if (!this.nginxBin) {
      if (!this.node) {
        const node = new NodeProxy(host, port);
        node.configure(mode, this.servers, generation);
        await node.listen().catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EADDRINUSE' ? new PortInUseError(port, '--balancer-port') : err;
        });
        this.node = node;
      } else this.node.configure(mode, this.servers, generation);
    }
    this.applied = want;
  }

  private async stopRunning(): Promise<void> {
    const { nginx, node } = this;
    this.nginx = null;
    this.node = null;
    this.applied = JSON.stringify(['off']);
    await Promise.all([nginx?.stop(), node?.close()]);
  }
}
