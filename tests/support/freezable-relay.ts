/**
 * A TCP relay between the lab and Redis that can be frozen: the connections stay open, and
 * nothing passes either way, as when a network drops packets without closing anything. Redis is
 * "cut": a QUIT or an UNSUBSCRIBE is sent and never answered.
 */
import net from 'node:net';

export class FreezableRelay {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: string): Promise<FreezableRelay> {
    const { hostname, port } = new URL(target);
    let relay: FreezableRelay | null = null;
    const server = net.createServer((inbound) => {
      const outbound = net.connect({ host: hostname, port: Number(port) });
      const pair: [net.Socket, net.Socket] = [inbound, outbound];
      relay!.pairs.add(pair);
      for (const [from, to] of [pair, [outbound, inbound] as const]) {
        from.on('data', (chunk: Buffer) => {
          if (!relay!.frozen) to.write(chunk);
        });
        from.on('close', () => {
          to.destroy();
          relay!.pairs.delete(pair);
        });
        from.on('error', () => undefined);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = new FreezableRelay(server, (server.address() as net.AddressInfo).port);
    return relay;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** From now on every byte is swallowed; no connection is closed and new ones still open. */
  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
  }

  async close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
