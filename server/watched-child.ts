/**
 * A child process that never outlives the lab. It runs under a small `sh` watchdog whose stdin
 * is a pipe from the lab: when the lab ends, in whatever way (Ctrl+C twice, a crash, SIGKILL),
 * the pipe closes and the watchdog sends the child SIGTERM. A normal stop closes the pipe the
 * same way, with SIGKILL after a grace period for a child that hangs.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// "$@" is the command. `read` returns when the lab's end of stdin closes. (A background job's
// stdin is /dev/null unless redirected, hence fd 3.) The first line out is the child's pid.
const WATCHDOG = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
echo "$child"
( read -r _ <&3; kill -TERM "$child" 2>/dev/null ) &
watch=$!
wait "$child"
status=$?
kill "$watch" 2>/dev/null
exit "$status"
`;

export class WatchedChild {
  /** The last 2000 characters the child wrote to stderr (its reason when it fails to start). */
  stderr = '';
  /** Resolves with the exit code once the child (and its watchdog) are gone. */
  readonly exited: Promise<number | null>;
  /** Resolves with the child's pid once it runs; rejects with its stderr if it never does. */
  readonly started: Promise<number>;
  private pid = 0;
  private gone = false;
  private readonly sh: ChildProcess;

  constructor(bin: string, args: string[]) {
    this.sh = spawn('/bin/sh', ['-c', WATCHDOG, 'watchdog', bin, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // A group of its own: Ctrl+C in a terminal signals the whole foreground group, and the
      // child must stop when the lab says (after the servers' goodbyes), not before.
      detached: true,
    });
    this.sh.stdin!.on('error', () => undefined);
    let ran: (pid: number) => void = () => undefined;
    this.started = new Promise((resolve) => (ran = resolve));
    this.sh.stdout!.once('data', (chunk: Buffer) => {
      this.pid = Number(chunk.toString().trim().split('\n')[0]) || 0;
      ran(this.pid);
    });
    this.sh.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) => {
      this.sh.once('error', (err) => {
        this.stderr += err.message;
        this.gone = true;
        resolve(null);
      });
      this.sh.once('exit', (code) => {
        this.gone = true;
        resolve(code);
      });
    });
    // The pid comes first, so an exit before it means the child never ran.
    const never = this.exited.then(() => Promise.reject(new Error(this.stderr.trim())));
    this.started = Promise.race([this.started, never]);
    this.started.catch(() => undefined);
  }

  /** Sends the child itself a signal (SIGHUP to reload, say); false if it is not running. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.gone || !this.pid) return false;
    signal(this.pid, sig);
    return true;
  }

  /** False once the child has exited (it failed, or something outside the lab ended it). */
  get running(): boolean {
    return !this.gone;
  }

  /** SIGTERM through the watchdog, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.gone) return;
    this.sh.stdin!.end();
    const timer = setTimeout(() => {
      if (this.pid) signal(this.pid, 'SIGKILL');
      this.sh.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
