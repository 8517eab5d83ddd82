/**
 * `npm run bench -- page [--seconds 20] [--emits 40] [--size 1280x720]`, or
 * `npm run bench -- page --soak-minutes 10` for the soak alone (bench/page-soak.ts)
 *
 * The lab page in headless chromium (Debian's, on PATH), at 1280x720 (or `--size`):
 * 1. idle: the page's synthetic mode with 200 clients and 10 servers on stage and no traffic;
 * 2. load: the same page fed a synthetic trace stream of 500 flows/s (trace/sim/synthetic-lab.ts: the
 *    simulated lab's events per broadcast, sampled by the monitor sink's own rule with a detail
 *    budget of LOAD_DETAIL_PER_SECOND per source, with exact counters), for `--seconds`;
 * 3. live latency: a real lab (spawned redis-server, 3 servers, the hub) and the page at the hub,
 *    whose page client emits `--emits` chat messages; for each, the time from its socket.emit to
 *    the first animation frame that draws the emit's hop (through server, monitor, Redis, hub).
 * Frame times come from a requestAnimationFrame probe in the page; a frame longer than 1.5x the
 * idle median counts the missed vsyncs as dropped. Memory is the JS heap, sampled every second.
 */
import http from 'node:http';
import type { Page } from 'playwright-core';
import { serveStatic } from '../server/hub/static-files.ts';
import { RedisProcess } from '../server/redis-process.ts';
import { freePort } from '../server/free-port.ts';
import { startLab } from '../server/start-lab.ts';
import {
  WEB_DIST,
  ensurePageBuilt,
  launchChromium,
  requireChromium,
} from '../tests/support/browser-chromium.ts';
import { MAX_EVENTS } from '../trace/timeline.ts';
import { writeResult } from './result-file.ts';
import { soak, soakOptions } from './page-soak.ts';

/**
 * Each source's detail budget under load. A lab's sink allows 600 events/s (trace/sampling.ts),
 * at which 500 flows/s to 200 clients is sampled down to one flow in 1000: the page would idle.
 * This budget keeps one flow in ten, whole (about 50 flows and 11,000 events a second).
 */
const LOAD_DETAIL_PER_SECOND = 20_000;
import { frameStats, shimNames } from './frame-probe.ts';
import {
  numberOption as option,
  option as textOption,
  percentile,
  round1 as r1,
} from './bench-stats.ts';

interface Fold {
  t: number;
  ms: number;
  dropped: number;
}

interface Probe {
  deltas: number[];
  heap: { t: number; mb: number }[];
  events: { t: number; n: number }[];
  latencies: number[];
  /** Animation frames' start times (performance.now()), and the appends that folded between. */
  frames: number[];
  folds: Fold[];
  appends: { n: number; maxMs: number };
}

/**
 * Frame times, the page's memory and events every second, and the appends that folded (the
 * player times them), over the same `seconds`, on the page's own clock.
 */
async function probe(page: Page, seconds: number): Promise<Probe> {
  const samples = await page.evaluate(async (ms) => {
    type Lab = {
      player: {
        length: number;
        dropped: number;
        folds: Fold[];
        appends: { n: number; maxMs: number };
      };
      metrics: { emitToFrame: number[] };
    };
    const lab = (window as unknown as { __fanoutLab: Lab }).__fanoutLab;
    const mem = () =>
      ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ??
        0) /
      2 ** 20;
    const heap: { t: number; mb: number }[] = [];
    const events: { t: number; n: number }[] = [];
    const frames: number[] = [];
    let done = false;
    const frame = (now: number) => {
      frames.push(now);
      if (!done) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const t0 = performance.now();
    const skipLatencies = lab.metrics.emitToFrame.length;
    const appends0 = lab.player.appends.n;
    lab.player.appends.maxMs = 0;
    const timer = setInterval(() => {
      const t = Math.round(performance.now() - t0);
      heap.push({ t, mb: Math.round(mem() * 10) / 10 });
      events.push({ t, n: lab.player.length + lab.player.dropped });
    }, 1000);
    await new Promise((r) => setTimeout(r, ms));
    clearInterval(timer);
    done = true;
    return {
      heap,
      events,
      frames,
      folds: lab.player.folds.filter((f) => f.t >= t0),
      appends: { n: lab.player.appends.n - appends0, maxMs: lab.player.appends.maxMs },
      latencies: lab.metrics.emitToFrame.slice(skipLatencies),
    };
  }, seconds * 1000);
  const deltas = samples.frames.slice(1).map((t, i) => t - samples.frames[i]);
  return { deltas, ...samples };
}

/**
 * What folding at the cap cost: the folding appends' durations, and the frames over 50 ms with a
 * fold inside them (a fold starting between the frame's start and the next frame's).
 */
export function foldFigures(frames: number[], folds: Fold[], appends: Probe['appends']) {
  const ms = folds.map((f) => f.ms);
  const long: { ms: number; foldMs: number }[] = [];
  // Every frame over 50 ms, with how long before its end the last fold began (null: none yet),
  // so a fold's later cost (the panels' sync, up to UI_SYNC_MS after it) would show too.
  const longFrames: { ms: number; sinceFoldMs: number | null }[] = [];
  for (let i = 1; i < frames.length; i++) {
    const d = frames[i] - frames[i - 1];
    if (d <= 50) continue;
    const before = folds.filter((f) => f.t < frames[i]).at(-1);
    longFrames.push({ ms: r1(d), sinceFoldMs: before ? r1(frames[i] - before.t) : null });
    const inside = folds.filter((f) => f.t >= frames[i - 1] && f.t < frames[i]);
    if (inside.length) long.push({ ms: r1(d), foldMs: r1(Math.max(...inside.map((f) => f.ms))) });
  }
  return {
    folds: folds.length,
    eventsPerFold: folds.length
      ? Math.round(folds.reduce((a, f) => a + f.dropped, 0) / folds.length)
      : 0,
    foldMs: {
      median: r1(percentile(ms, 50)),
      p95: r1(percentile(ms, 95)),
      max: r1(ms.length ? Math.max(...ms) : 0),
    },
    appends: appends.n,
    longestAppendWithoutFoldMs: r1(appends.maxMs),
    framesOver50ms: longFrames.length,
    longFrames,
    framesOver50msWithFold: long.length,
    framesWithFold: long,
  };
}

async function liveLatency(page: Page, emits: number) {
  const redis = await RedisProcess.start();
  const port = await freePort();
  const lab = await startLab({
    redis: { url: redis.url, kind: 'spawned', reason: 'bench', version: '?' },
    port,
    basePort: await freePort(),
    servers: 3,
    monitorChannel: `lab:monitor:bench${port}`,
  });
  try {
    await fetch(`${lab.url}/api/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 6 }),
    });
    await page.goto(lab.url);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
    await page.click('[data-tab=clients]');
    await page.click('[data-testid=add-page-client]');
    await page.waitForFunction(() => {
      const l = (
        window as unknown as { __fanoutLab: { pageClients: { list: { state: string }[] } } }
      ).__fanoutLab;
      return l.pageClients.list[0]?.state === 'connected';
    });
    // The stage draws a hop only between nodes it has laid out, and holds a new client's first
    // hops until its node is there: wait for the node, so that wait is not counted as latency.
    const id = await page.evaluate(
      () =>
        (window as unknown as { __fanoutLab: { pageClients: { list: { id: string }[] } } })
          .__fanoutLab.pageClients.list[0].id,
    );
    await page.locator(`[data-client="${id}"]`).waitFor();
    for (let i = 0; i < emits; i++) {
      await page.fill('[data-testid=message]', `bench ${i}`);
      await page.click('[data-testid=send-chat]');
      await page.waitForTimeout(250);
    }
    await page.waitForFunction(
      (n) =>
        (window as unknown as { __fanoutLab: { metrics: { pageEmitToFrame: number[] } } })
          .__fanoutLab.metrics.pageEmitToFrame.length >= n,
      emits,
      { timeout: 10_000 },
    );
    return page.evaluate(() => {
      const m = (
        window as unknown as {
          __fanoutLab: { metrics: { pageEmitToFrame: number[]; arrivalToFrame: number[] } };
        }
      ).__fanoutLab.metrics;
      return { emitToFrame: m.pageEmitToFrame, arrivalToFrame: m.arrivalToFrame.slice(-40) };
    });
  } finally {
    await lab.close();
    await redis.stop();
  }
}

export default async function (argv: string[]): Promise<void> {
  const seconds = option(argv, 'seconds', 20);
  const emits = option(argv, 'emits', 40);
  const size = textOption(argv, 'size', '1280x720');
  const [width, height] = size.split('x').map(Number);
  const chromiumPath = requireChromium();
  if (!chromiumPath) {
    console.error('page bench: chromium is not on PATH (apt-get install -y chromium).');
    process.exitCode = 1;
    return;
  }
  await ensurePageBuilt();
  const soaking = soakOptions(argv);
  if (soaking) {
    const browser = await launchChromium(chromiumPath, ['--enable-precise-memory-info']);
    try {
      const page = await browser.newPage({ viewport: { width, height } });
      await shimNames(page);
      console.log(
        `page bench: soak for ${soaking.minutes} min (${soaking.servers} servers, ${soaking.clients} lab clients, ${soaking.outside} outside clients sending ${soaking.rate} broadcasts/s)...`,
      );
      const result = await soak(page, soaking);
      const file = writeResult('page-soak', result);
      const { heapFloorMb, ...shown } = result;
      console.log(JSON.stringify(shown, null, 2));
      console.log(
        `heap floor MB after GC: ${(heapFloorMb as { mb: number }[]).map((f) => f.mb).join(' ')}`,
      );
      console.log(`written to ${file}`);
    } finally {
      await browser.close();
    }
    return;
  }
  const server = http.createServer((req, res) => serveStatic(req, res, WEB_DIST));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await launchChromium(chromiumPath, ['--enable-precise-memory-info']);
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await shimNames(page);
    console.log(`page bench: idle for ${seconds} s (200 clients, 10 servers, no traffic)...`);
    await page.goto(`${base}/?synthetic=200,10,0`);
    await page.locator('[data-server="s10"]').waitFor();
    const idle = await probe(page, seconds);
    const vsync = percentile(idle.deltas, 50);

    console.log(`page bench: load for ${seconds} s (200 clients, 10 servers, 500 flows/s)...`);
    await page.goto(`${base}/?synthetic=200,10,500,${LOAD_DETAIL_PER_SECOND}`);
    await page.locator('[data-server="s10"]').waitFor();
    const load = await probe(page, seconds);
    const sampling = await page.evaluate(() => {
      const l = (window as unknown as { __fanoutLab: { player: { sampled: boolean } } })
        .__fanoutLab;
      return l.player.sampled;
    });

    console.log(`page bench: live latency over a real lab (${emits} emits)...`);
    const { emitToFrame: live, arrivalToFrame } = await liveLatency(page, emits);

    const rate = (p: Probe) => {
      const e = p.events;
      return e.length > 1
        ? Math.round((e[e.length - 1].n - e[0].n) / ((e[e.length - 1].t - e[0].t) / 1000))
        : 0;
    };
    // The heap saws up and down with each GC: its floor per 5 s window says whether it grows.
    const floors: number[] = [];
    for (let w = 0; w * 5000 < seconds * 1000; w++) {
      const win = load.heap.filter((h) => h.t >= w * 5000 && h.t < (w + 1) * 5000).map((h) => h.mb);
      if (win.length) floors.push(Math.min(...win));
    }
    const result = {
      seconds,
      viewport: size,
      idle: { ...frameStats(idle.deltas, vsync), heapMb: idle.heap },
      load: {
        ...frameStats(load.deltas, vsync),
        flowsPerSecond: 500,
        detailPerSecondPerSource: LOAD_DETAIL_PER_SECOND,
        eventsPerSecondIntoPage: rate(load),
        monitorSampledFlag: sampling,
        heapMb: load.heap,
        heapFloorPer5sMb: floors,
        recordedEvents: load.events,
        timelineCap: MAX_EVENTS,
        folding: foldFigures(load.frames, load.folds, load.appends),
        syntheticEmitToFrameMs: {
          n: load.latencies.length,
          median: r1(percentile(load.latencies, 50)),
          p95: r1(percentile(load.latencies, 95)),
        },
      },
      live: {
        emits: live.length,
        emitToFirstFrameMs: {
          median: r1(percentile(live, 50)),
          p95: r1(percentile(live, 95)),
          max: r1(Math.max(...live)),
        },
        // The page's own share: from the emit's monitor event reaching the page to its frame.
        arrivalToFirstFrameMs: {
          median: r1(percentile(arrivalToFrame, 50)),
          p95: r1(percentile(arrivalToFrame, 95)),
        },
      },
      goals: {
        p95FrameUnder20ms: percentile(load.deltas, 95) <= 20,
        liveEmitToFrameUnder50ms: percentile(live, 95) <= 50,
      },
    };
    const file = writeResult('page', result);
    const { heapMb: _i, ...idleShown } = result.idle;
    const { heapMb: _l, recordedEvents: _r, ...loadShown } = result.load;
    console.log(JSON.stringify({ idle: idleShown, load: loadShown, live: result.live }, null, 2));
    console.log(`heap MB (load): ${load.heap.map((h) => h.mb).join(' ')}`);
    console.log(`written to ${file}`);
  } finally {
    await browser.close();
    server.close();
  }
}
