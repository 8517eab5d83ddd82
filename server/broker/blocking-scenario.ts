import { RawRespClient } from './raw-resp-client.ts';
import type { Frame } from './resp-reply-decoder.ts';
import { splitArgs } from './resp-request-parser.ts';

/**
 * Runs a scenario of blocking reads over several raw connections, for the differential test
 * of XREAD BLOCK: who blocks, who writes, and in what order each connection got its replies.
 */

export type Action =
  /** Commands in redis-cli syntax (`{p}` is the run's prefix), written in one go. */
  | { on: string; send: string[] }
  /** Wait until this many of the scenario's clients are blocked (INFO's blocked_clients). */
  | { blocked: number };

const SYNC = '__sync__';

export class BlockingScenario {
  private readonly conns = new Map<string, RawRespClient>();
  private admin: RawRespClient | null = null;
  private syncs = 0;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly prefix: string,
    private readonly proto: 2 | 3,
  ) {}

  /** Every connection's frames in arrival order, without the scenario's own sync replies. */
  async run(actions: Action[]): Promise<Record<string, Frame[]>> {
    this.admin = await RawRespClient.connect(this.port, this.host);
    const baseline = await this.blockedClients();
    try {
      for (const action of actions) {
        if ('blocked' in action) await this.untilBlocked(baseline + action.blocked);
        else await this.send(action.on, action.send);
      }
      const out: Record<string, Frame[]> = {};
      // The end: every connection answers a last PING once whatever it waited for has come.
      for (const [name, c] of this.conns) {
        await this.sync(c, 10_000);
        out[name] = c.drain().filter((f) => !isSync(f));
      }
      return out;
    } finally {
      for (const c of this.conns.values()) c.close();
      this.admin.close();
    }
  }

  private async send(on: string, lines: string[]): Promise<void> {
    let c = this.conns.get(on);
    if (!c) {
      c = await RawRespClient.connect(this.port, this.host);
      this.conns.set(on, c);
      if (this.proto === 3) await c.command('HELLO', '3');
    }
    c.send(
      ...lines.map((l) => splitArgs(Buffer.from(l.replaceAll('{p}', this.prefix), 'latin1'))!),
    );
    // A connection that may block cannot answer a sync yet; the others finish first, so that
    // the next action runs after them on the server too.
    if (!lines.some((l) => /\bBLOCK\b/i.test(l))) await this.sync(c, 5000);
  }

  private async sync(c: RawRespClient, timeoutMs: number): Promise<void> {
    const token = `${SYNC}${++this.syncs}`;
    c.send(['PING', token]);
    await c.waitUntil(
      () => c.frames.some((f) => f.type === 'bulk' && f.value === token),
      token,
      timeoutMs,
    );
  }

  private async blockedClients(): Promise<number> {
    const info = await this.admin!.command('INFO', 'clients');
    const text = info.type === 'bulk' || info.type === 'verbatim' ? String(info.value) : '';
    return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? NaN);
  }

  /** Polls INFO: blocking happens on the server with nothing sent back to wait for. */
  private async untilBlocked(n: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await this.blockedClients()) < n) {
      if (Date.now() > deadline) throw new Error(`fewer than ${n} clients blocked after 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function isSync(f: Frame): boolean {
  return f.type === 'bulk' && typeof f.value === 'string' && f.value.startsWith(SYNC);
}
