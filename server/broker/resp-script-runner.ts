import { RawRespClient } from './raw-resp-client.ts';
import { encodeCommand } from './resp-encoder.ts';
import type { Frame } from './resp-reply-decoder.ts';
import { splitArgs } from './resp-request-parser.ts';

/**
 * Runs a script of Redis commands over raw sockets and records every reply and push per
 * connection, normalised so that two servers' transcripts can be compared exactly: the
 * differential test runs the same script on redis-server and on the broker. Only server ids,
 * versions and Redis's hash-table orders are normalised away.
 */

export interface Step {
  /** Connection name within the script; connections open on first use. */
  on: string;
  /** Commands in redis-cli syntax; `{p}` becomes a per-run prefix so runs never share channels. */
  send?: string[];
  /** Bytes written as they are (for protocol errors and inline commands). */
  raw?: string;
  /** The server closes this connection after its reply (QUIT, protocol errors). */
  closes?: boolean;
  /** Connections the server closes because of this step (ACL DELUSER, revoked channels). */
  kills?: string[];
  /** Array replies in this step come in hash-table order on Redis: compare them sorted. */
  unordered?: boolean;
  /**
   * This step's top-level integer replies count server-wide patterns (PUBSUB NUMPAT): report
   * them relative to the count before the script, so other clients of a shared Redis do not
   * show up in the comparison.
   */
  serverWide?: boolean;
}

export type Transcript = { step: number; on: string; frames: Frame[]; closed?: boolean }[];

const SYNC = '__sync__';

/** The reply to our own `PING __sync__N` in either protocol or subscriber mode. */
function isSync(f: Frame, n: number): boolean {
  const token = `${SYNC}${n}`;
  if (f.type === 'bulk') return f.value === token;
  return f.type === 'array' && f.value?.[1]?.type === 'bulk' && f.value[1].value === token;
}

export class ScriptRunner {
  private readonly conns = new Map<string, RawRespClient>();
  private syncCounter = 0;
  readonly transcript: Transcript = [];

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly prefix: string,
    private readonly pipelined: boolean,
  ) {}

  private async conn(name: string): Promise<RawRespClient> {
    let c = this.conns.get(name);
    if (!c) {
      c = await RawRespClient.connect(this.port, this.host);
      this.conns.set(name, c);
    }
    return c;
  }

  private commands(step: Step): Buffer[][] {
    return (step.send ?? []).map((line) => {
      const args = splitArgs(Buffer.from(line.replaceAll('{p}', this.prefix), 'latin1'));
      if (!args) throw new Error(`bad script line ${line}`);
      return args;
    });
  }

  /** Sends a sync PING on `c` and resolves with the frames that came before its reply. */
  private async collect(c: RawRespClient, write: () => void): Promise<Frame[]> {
    const n = ++this.syncCounter;
    write();
    c.send(['PING', `${SYNC}${n}`]);
    await c.waitUntil(() => c.frames.some((f) => isSync(f, n)), `sync ${n}`);
    const frames = c.drain();
    return frames.filter((f) => !isSync(f, n));
  }

  /** PUBSUB NUMPAT before the script starts, on a connection of its own. */
  private async patternBaseline(): Promise<number> {
    const c = await RawRespClient.connect(this.port, this.host);
    const reply = await c.command('PUBSUB', 'NUMPAT');
    c.close();
    return reply.type === 'int' ? reply.value : 0;
  }

  async run(steps: Step[]): Promise<Transcript> {
    const baseline = steps.some((s) => s.serverWide) ? await this.patternBaseline() : 0;
    for (const [i, step] of steps.entries()) {
      const c = await this.conn(step.on);
      const commands = this.commands(step);
      let frames: Frame[] = [];
      if (step.closes) {
        c.write(step.raw ?? Buffer.concat(commands.map((cmd) => encodeCommand(cmd))));
        await c.waitClosed();
        frames = c.drain();
        this.conns.delete(step.on);
      } else if (step.raw !== undefined) {
        frames = await this.collect(c, () => c.write(step.raw!));
      } else if (this.pipelined) {
        frames = await this.collect(c, () => c.send(...commands));
      } else {
        for (const cmd of commands) frames.push(...(await this.collect(c, () => c.send(cmd))));
      }
      if (step.serverWide) {
        frames = frames.map((f) =>
          f.type === 'int' ? { type: 'int', value: f.value - baseline } : f,
        );
      }
      this.transcript.push({
        step: i,
        on: step.on,
        frames: normalise(frames, step),
        ...(step.closes ? { closed: true } : {}),
      });
      for (const name of step.kills ?? []) {
        const victim = this.conns.get(name);
        if (!victim) throw new Error(`step ${i} kills ${name}, which is not open`);
        await victim.waitClosed();
        this.transcript.push({
          step: i,
          on: name,
          frames: normalise(victim.drain(), step),
          closed: true,
        });
        this.conns.delete(name);
      }
      // Pushes caused on other connections (messages) arrive before their sync reply.
      for (const [name, other] of this.conns) {
        if (other === c) continue;
        const pushed = await this.collect(other, () => {});
        if (pushed.length > 0)
          this.transcript.push({ step: i, on: name, frames: normalise(pushed, step) });
      }
    }
    await this.quitAll();
    return this.transcript;
  }

  /** QUIT and wait for the close, so the server has freed the subscriptions before the next script. */
  private async quitAll(): Promise<void> {
    await Promise.all(
      [...this.conns.values()].map(async (c) => {
        c.send(['QUIT']);
        await c.waitClosed();
      }),
    );
    this.conns.clear();
  }
}

const UNSUB = new Set(['unsubscribe', 'punsubscribe', 'sunsubscribe']);

function kindOf(f: Frame): string | null {
  if ((f.type === 'push' || f.type === 'array') && f.value?.[0]?.type === 'bulk') {
    return f.value[0].value;
  }
  return null;
}

/** Removes what legitimately differs: ids, version, and orders Redis takes from its hash tables. */
function normalise(frames: Frame[], step: Step): Frame[] {
  const out = frames.map((f) => normaliseMonitorLine(normaliseHello(f)));
  // Runs of unsubscribe confirmations (argless UNSUBSCRIBE) and of pmessages (several patterns).
  let i = 0;
  while (i < out.length) {
    const kind = kindOf(out[i]);
    let j = i + 1;
    while (j < out.length && kind !== null && kindOf(out[j]) === kind) j++;
    if (kind !== null && j - i > 1) {
      const run = out.slice(i, j) as { type: 'push' | 'array'; value: Frame[] }[];
      if (UNSUB.has(kind)) {
        const names = run.map((f) => JSON.stringify(f.value[1])).sort();
        run.forEach((f, k) => (f.value[1] = JSON.parse(names[k]) as Frame));
      } else if (kind === 'pmessage') {
        run.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        out.splice(i, j - i, ...run);
      }
    }
    i = j;
  }
  if (step.unordered) {
    for (const f of out) {
      if (f.type === 'array' && f.value && f.value.every((x) => x.type === 'bulk')) {
        f.value.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      }
    }
  }
  return out;
}

/** HELLO's reply carries the server version and client id; both differ by design. */
/** MONITOR lines start with a timestamp and the client's address; both differ by design. */
function normaliseMonitorLine(f: Frame): Frame {
  if (f.type !== 'simple') return f;
  return { type: 'simple', value: f.value.replace(/^\d+\.\d{6} \[\d+ [^\]]+\]/, 'T [0 ADDR]') };
}

function normaliseHello(f: Frame): Frame {
  const flat = f.type === 'map' ? f.value.flat() : f.type === 'array' && f.value ? f.value : null;
  if (!flat || flat[0]?.type !== 'bulk' || flat[0].value !== 'server') return f;
  const fixed = flat.map((x, k) => {
    const key = flat[k - 1];
    if (k % 2 === 1 && key.type === 'bulk' && key.value === 'version')
      return { type: 'bulk', value: 'V' };
    if (k % 2 === 1 && key.type === 'bulk' && key.value === 'id') return { type: 'int', value: 0 };
    return x;
  }) as Frame[];
  if (f.type === 'array') return { type: 'array', value: fixed };
  const pairs: [Frame, Frame][] = [];
  for (let k = 0; k < fixed.length; k += 2) pairs.push([fixed[k], fixed[k + 1]]);
  return { type: 'map', value: pairs };
}
