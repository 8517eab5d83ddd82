/**
 * CPU time read from the kernel's own books (/proc), not from a process's report of itself:
 * `npm start` is npm, a shell, tsx's launcher and the lab's node process, and all of them count.
 * Linux only; elsewhere every reading is zero and the bench says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export const procAvailable = existsSync('/proc/self/stat');

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on every Linux we know). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const PAGE = 4096;

interface Stat {
  ppid: number;
  userTicks: number;
  systemTicks: number;
  rssPages: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone since it was listed
  }
  // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
  return { ppid: +f[1], userTicks: +f[11], systemTicks: +f[12], rssPages: +f[21] };
}

/** The process and all its descendants, found through every process's parent id. */
export function processTree(root: number): number[] {
  if (!procAvailable) return [];
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

export interface TreeUsage {
  /** Microseconds, summed over the processes (all their threads, living or ended). */
  user: number;
  system: number;
  rssBytes: number;
}

export function treeUsage(pids: number[]): TreeUsage {
  const usage = { user: 0, system: 0, rssBytes: 0 };
  for (const pid of pids) {
    const s = readStat(pid);
    if (!s) continue;
    usage.user += (s.userTicks * 1e6) / TICKS;
    usage.system += (s.systemTicks * 1e6) / TICKS;
    usage.rssBytes += s.rssPages * PAGE;
  }
  return usage;
}

/** CPU ticks of the whole machine from /proc/stat; zeros where there is none. */
export function machineTicks(): { busy: number; idle: number } {
  if (!procAvailable) return { busy: 0, idle: 0 };
  const [, ...f] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, idle };
}

/** The 1-minute load average, two decimals. */
export const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
