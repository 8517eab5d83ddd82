/**
 * Runs the plain app (server/plain-app.mjs) as a child process for the lesson on staying alive
 * through a Redis outage, with a socket.io-client of its own connected to it. What happens to
 * the app goes to the trace as `plain.app` events: started, what it printed, what its client
 * received, and how it ended (an unhandled rejection ends it with exit code 1).
 *
 * Only one plain app runs at a time; starting another stops the first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import type { PlainApp } from '../trace/events.ts';
import { freePort } from './free-port.ts';
import { LabError } from './lab-error.ts';
import { REPO_ROOT } from './hub/static-files.ts';

export type PlainAppDraft = Omit<PlainApp, 'kind' | 'seq' | 't' | 'server' | 'step'>;

export interface PlainAppOptions {
  redisUrl: string;
  emit: (draft: PlainAppDraft) => void;
}

export interface PlainAppStart {
  guard: boolean;
  offlineQueue: boolean;
}

// From the repository's root: the lab may run as a bundle in dist/server/ (server/launch.mjs).
const SCRIPT = path.join(REPO_ROOT, 'server', 'plain-app.mjs');
/** Starting takes a node process and two Redis connections; a busy machine gets room. */
const START_MS = 15_000;
const STOP_MS = 3000;
/** stderr lines kept to tell why it died. */
const STDERR_LINES = 40;

interface Running {
  child: ChildProcess;
  /** Set when the lab stops it: its exit is then no news. */
  stopping?: boolean;
  client: Socket | null;
  port: number;
  start: PlainAppStart;
  exited: Promise<void>;
}

/** Node's report of an uncaught error: the line that names it, e.g. `Error: Stream isn't writeable...`. */
export function crashLine(stderr: readonly string[]): string | undefined {
  return stderr.find((l) => /^[A-Za-z]*(Error|Exception): /.test(l.trim()))?.trim();
}

export class PlainAppRunner {
  private running: Running | null = null;
  private lastExit: { code: number | null; signal: string | null; text?: string } | null = null;

  constructor(private readonly options: PlainAppOptions) {}

  state() {
    const r = this.running;
    return {
      running: !!r,
      pid: r?.child.pid ?? null,
      port: r?.port ?? null,
      ...(r ? r.start : {}),
      lastExit: this.lastExit,
    };
  }

  async start(start: PlainAppStart): Promise<ReturnType<PlainAppRunner['state']>> {
    await this.stop();
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        SCRIPT,
        String(port),
        this.options.redisUrl,
        start.guard ? '1' : '0',
        start.offlineQueue ? '1' : '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stderr: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        const said = parseLine(line);
        if (said.what === 'listening') listening();
        else this.options.emit({ what: 'output', text: said.text });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.push(...chunk.split('\n'));
      if (stderr.length > STDERR_LINES) stderr.splice(0, stderr.length - STDERR_LINES);
    });
    child.on('error', (err) => stderr.push(`Error: the plain app could not run: ${err.message}`));
    const running: Running = { child, client: null, port, start, exited: Promise.resolve() };
    running.exited = new Promise<void>((resolve) =>
      // 'close', not 'exit': by then stderr has been read to its end.
      child.once('close', (code, signal) => {
        const stopped = running.stopping;
        this.lastExit = { code, signal, text: stopped ? 'stopped by the lab' : crashLine(stderr) };
        this.options.emit({
          what: 'exited',
          pid: child.pid,
          code,
          signal,
          text: this.lastExit.text,
        });
        if (this.running?.child === child) {
          this.running.client?.close();
          this.running = null;
        }
        listening(); // a child that dies while starting ends the wait too
        resolve();
      }),
    );
    this.running = running;
    const timer = setTimeout(listening, START_MS);
    await ready;
    clearTimeout(timer);
    if (this.running !== running) {
      throw new LabError(
        409,
        `The plain app ended while starting: ${this.lastExit?.text ?? `exit code ${this.lastExit?.code}`}.`,
      );
    }
    running.client = await this.connectClient(port);
    this.options.emit({ what: 'started', pid: child.pid, port, ...start });
    return this.state();
  }

  /** The app's own client sends a chat message; the app broadcasts it with io.emit. */
  emit(text: string): { sent: boolean } {
    const client = this.running?.client;
    if (!client?.connected)
      throw new LabError(
        409,
        'The plain app is not running; start it first (POST /api/plain-app).',
      );
    client.emit('chat message', text);
    return { sent: true };
  }

  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    r.stopping = true;
    r.client?.close();
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), STOP_MS);
    await r.exited;
    clearTimeout(timer);
  }

  private async connectClient(port: number): Promise<Socket> {
    const client = connect(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
    });
    client.on('chat message', (msg: unknown) =>
      this.options.emit({ what: 'received', text: String(msg) }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new LabError(409, 'The plain app does not accept connections.')),
        5000,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return client;
  }
}

function parseLine(line: string): { what: string; text: string } {
  try {
    const v = JSON.parse(line) as { what?: unknown; text?: unknown };
    return { what: String(v.what ?? 'output'), text: String(v.text ?? '') };
  } catch {
    return { what: 'output', text: line.slice(0, 300) };
  }
}
