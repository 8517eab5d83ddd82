/**
 * `npm run bench -- page --soak-minutes 10 [--soak-servers 10] [--soak-clients 200]
 * [--soak-outside 30] [--soak-rate 70]`
 *
 * The page open at a real lab's hub for minutes under real traffic (issue 20 asked for ten):
 * `--soak-servers` servers on a spawned redis-server, `--soak-clients` lab clients, and
 * `--soak-outside` plain socket.io clients straight to the servers' ports, which send
 * `--soak-rate` chat messages a second between them (each a broadcast to every socket).
 * Every 10 s the page's heap is collected (CDP HeapProfiler.collectGarbage) and read
 * (Runtime.getHeapUsage): the after-GC floor, whose slope says whether memory stays flat. Long
 * tasks come from a PerformanceObserver in the page, frame times from its rAF probe.
 */
import { io as connect, type Socket } from 'socket.io-client';
import type { CDPSession, Page } from 'playwright-core';
import { RedisProcess } from '../server/redis-process.ts';
import { freePort, freePortBlock } from '../server/free-port.ts';
import { startLab } from '../server/start-lab.ts';
import { MAX_EVENTS } from '../trace/timeline.ts';
import { numberOption as option, percentile, round1 as r1 } from './bench-stats.ts';
import { frameDeltas, frameStats } from './frame-probe.ts';
import { machine } from './result-file.ts';

export interface SoakOptions {
  minutes: number;
  servers: number;
  clients: number;
  outside: number;
  rate: number;
}

export function soakOptions(argv: string[]): SoakOptions | null {
  const minutes = option(argv, 'soak-minutes', 0);
  if (!(minutes > 0)) return null;
  return {
    minutes,
    servers: option(argv, 'soak-servers', 10),
    clients: option(argv, 'soak-clients', 200),
    outside: option(argv, 'soak-outside', 30),
    rate: option(argv, 'soak-rate', 70),
  };
}

/** Least-squares slope of `y` over `x`. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

interface LongTask {
  start: number;
  ms: number;
}

/** An append that folded, as the player records it (web/src/state/player.svelte.ts). */
interface Fold {
  t: number;
  ms: number;
  dropped: number;
}

interface Floor {
  /** Minutes since the soak began. */
  min: number;
  mb: number;
  /** Events the page's timeline holds. */
  events: number;
  /** Events the timeline has let go from its front: above 0 once it has reached its cap. */
  folded: number;
}

async function heapFloor(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize / 2 ** 20;
}

export async function soak(page: Page, o: SoakOptions): Promise<Record<string, unknown>> {
  const redis = await RedisProcess.start();
  const port = await freePort();
  const basePort = await freePortBlock(o.servers);
  const lab = await startLab({
    redis: { url: redis.url, kind: 'spawned', reason: 'bench', version: '?' },
    port,
    basePort,
    servers: o.servers,
    monitorChannel: `lab:monitor:soak${port}`,
  });
  const outside: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    // Lab clients in batches: the API makes at most so many at once.
    for (let made = 0; made < o.clients; made += 50)
      await fetch(`${lab.url}/api/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: Math.min(50, o.clients - made) }),
      });
    for (let i = 0; i < o.outside; i++) {
      const s = connect(`http://127.0.0.1:${basePort + (i % o.servers)}`, {
        transports: ['websocket'],
      });
      outside.push(s);
      await new Promise<void>((r) => s.once('connect', () => r()));
    }
    await page.goto(lab.url);
    await page.locator(`[data-server="s${o.servers}"][data-state="up"]`).waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: LongTask[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          w.__longTasks.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask' });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');

    // Traffic: the outside clients take turns, `rate` broadcasts a second in all.
    let sent = 0;
    timer = setInterval(() => {
      outside[sent % outside.length]?.emit('chat message', `soak ${sent}`);
      sent++;
    }, 1000 / o.rate);

    const seconds = o.minutes * 60;
    const t0 = Date.now();
    const floors: Floor[] = [];
    /** When the bench forced a GC, on the page's clock: its own long tasks. */
    const gcs: { from: number; to: number }[] = [];
    const pageNow = () => page.evaluate(() => performance.now());
    const sampling = (async () => {
      while (Date.now() - t0 < seconds * 1000) {
        const from = await pageNow();
        const mb = await heapFloor(cdp);
        gcs.push({ from, to: await pageNow() });
        const { events, folded } = await page.evaluate(() => {
          const { player } = (
            window as unknown as { __fanoutLab: { player: { length: number; dropped: number } } }
          ).__fanoutLab;
          return { events: player.length, folded: player.dropped };
        });
        floors.push({ min: (Date.now() - t0) / 60_000, mb: r1(mb), events, folded });
        await new Promise((r) => setTimeout(r, 10_000));
      }
    })();
    const [deltas] = await Promise.all([frameDeltas(page, seconds), sampling]);
    clearInterval(timer);
    timer = undefined;
    const { tasks, folds } = await page.evaluate(() => {
      const w = window as unknown as {
        __longTasks: LongTask[];
        __fanoutLab: { player: { folds: Fold[] } };
      };
      return { tasks: w.__longTasks, folds: w.__fanoutLab.player.folds };
    });
    const longTasks = tasks.map((t) => t.ms);
    const during = (t: LongTask, at: number) => at >= t.start && at <= t.start + t.ms;
    const foldMs = folds.map((f) => f.ms);
    // The timeline lets a checkpoint's worth go at a time, so it holds just under MAX_EVENTS once
    // full: the cap is reached at the first fold, not when `events` equals it.
    const capAt = floors.find((f) => f.folded > 0)?.min;
    const afterCap = capAt === undefined ? [] : floors.filter((f) => f.min >= capAt);
    const vsync = [...deltas].sort((a, b) => a - b)[Math.floor(deltas.length / 2)] ?? 16.7;
    return {
      options: o,
      broadcastsSent: sent,
      timelineCap: MAX_EVENTS,
      capReachedAtMin: capAt === undefined ? null : r1(capAt),
      heapFloorSlopeMbPerMin: {
        whole: r1(slope(floors.map((f) => ({ x: f.min, y: f.mb })))),
        afterCap:
          afterCap.length > 1 ? r1(slope(afterCap.map((f) => ({ x: f.min, y: f.mb })))) : null,
      },
      heapFloorMb: floors,
      longTasks: {
        count: longTasks.length,
        over100ms: longTasks.filter((d) => d > 100).length,
        maxMs: r1(Math.max(0, ...longTasks)),
        // A long task with a fold inside it, or one that overlaps the bench's own forced GC.
        withFold: tasks
          .filter((t) => folds.some((f) => during(t, f.t)))
          .map((t) => ({
            ms: r1(t.ms),
            foldMs: r1(Math.max(...folds.filter((f) => during(t, f.t)).map((f) => f.ms))),
          })),
        duringForcedGc: tasks.filter((t) =>
          gcs.some((g) => g.from <= t.start + t.ms && t.start <= g.to),
        ).length,
      },
      folding: {
        folds: folds.length,
        foldMs: {
          median: r1(percentile(foldMs, 50)),
          p95: r1(percentile(foldMs, 95)),
          max: r1(Math.max(0, ...foldMs)),
        },
      },
      frames: frameStats(deltas, vsync),
      loadavgAtEnd: machine().loadavg,
    };
  } finally {
    if (timer) clearInterval(timer);
    for (const s of outside) s.disconnect();
    await lab.close();
    await redis.stop();
  }
}
