/**
 * Chaos scenario (d): a long steady run, `perSecond` chat messages a second from the lab's six
 * clients on three servers, with the lab's page open in chromium. The lab (hub and servers, this
 * process) and the page sample their memory every few seconds; the report gives the slope of
 * each (MB a minute, least squares after the first tenth, the warm-up). At the end the servers'
 * own counters must match what was sent exactly: one PUBLISH per message, six deliveries each.
 */
import { makeLab, until } from '../tests/support/lab-fixture.ts';
import {
  ensurePageBuilt,
  launchChromium,
  requireChromium,
} from '../tests/support/browser-chromium.ts';
import { FlowChecker, pause, slope, Traffic, type ChaosRun } from './harness.ts';

const NAME = 'soak';
const MB = 2 ** 20;

export interface SoakFigures {
  seconds: number;
  perSecond: number;
  sent: number;
  accepted: number;
  refused: number;
  page: boolean;
  rssStartMb: number;
  rssEndMb: number;
  rssSlopeMbPerMin: number;
  heapStartMb?: number;
  heapEndMb?: number;
  heapSlopeMbPerMin?: number;
  counters: { publishes: number; deliveries: number };
  flows: FlowChecker['tally'];
}

export async function soakScenario(
  run: ChaosRun,
  seconds: number,
  perSecond = 50,
): Promise<SoakFigures> {
  const lab = await makeLab('redis', { servers: 3, redisKind: 'owned' });
  const chromium = requireChromium();
  const browser = chromium ? await launchChromium(chromium) : undefined;
  try {
    for (const s of ['s1', 's2', 's3']) await lab.lab.addClients(s, 2);
    let heap: (() => Promise<number>) | undefined;
    if (browser) {
      await ensurePageBuilt();
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const cdp = await page.context().newCDPSession(page);
      await page.goto(lab.url);
      heap = async () => {
        const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
        return usedSize;
      };
    } else run.log(`  ${NAME}: no chromium, so no page heap (set CHROMIUM_PATH)`);
    const rss: [number, number][] = [];
    const heaps: [number, number][] = [];
    const traffic = new Traffic(lab, run.rnd, perSecond);
    const flows = new FlowChecker(lab, run, NAME, true);
    const t0 = Date.now();
    traffic.start();
    const every = Math.max(1000, Math.min(10_000, (seconds * 1000) / 60));
    let sampled = t0;
    while (Date.now() - t0 < seconds * 1000) {
      // Flows are checked every 2 s: at 50 a second the state keeps each for about 10 s.
      await pause(2000);
      flows.check();
      if (Date.now() - sampled < every) continue;
      sampled = Date.now();
      const min = (Date.now() - t0) / 60_000;
      rss.push([min, process.memoryUsage().rss / MB]);
      if (heap) heaps.push([min, (await heap()) / MB]);
      flows.check();
      const last = heaps[heaps.length - 1]?.[1];
      run.log(
        `  ${NAME} ${Math.round(min * 60)}/${seconds} s: sent ${traffic.sent}, rss ${rss[rss.length - 1][1].toFixed(0)} MB${last === undefined ? '' : `, page heap ${last.toFixed(1)} MB`}`,
      );
    }
    await traffic.stop();
    const accepted = traffic.sent - traffic.refused;
    // The counters come every second or so; wait for the last messages' to be counted.
    const totals = () => flows.current().counters.lab;
    await until(() => totals().publishes >= accepted, 15_000).catch(() => undefined);
    await pause(5000);
    flows.check(0, true);
    const { publishes, deliveries } = totals();
    // An emit call that got an error may still have gone out (under load the HTTP answer, not
    // the emit, is what failed: the full soak at load 15-20 counted 18 such), so PUBLISHes lie
    // between the calls answered 2xx and all calls; each PUBLISH reaches six clients exactly.
    if (publishes < accepted || publishes > traffic.sent)
      run.broke(
        NAME,
        `the servers counted ${publishes} PUBLISHes for ${accepted} to ${traffic.sent} messages`,
      );
    if (deliveries !== publishes * 6)
      run.broke(
        NAME,
        `the servers counted ${deliveries} deliveries for ${publishes} PUBLISHes to 6 clients`,
      );
    const warm = (points: [number, number][]) => points.slice(Math.floor(points.length / 10));
    return {
      seconds,
      perSecond,
      sent: traffic.sent,
      accepted,
      refused: traffic.refused,
      page: !!browser,
      rssStartMb: Math.round(rss[0]?.[1] ?? 0),
      rssEndMb: Math.round(rss[rss.length - 1]?.[1] ?? 0),
      rssSlopeMbPerMin: Math.round(slope(warm(rss)) * 100) / 100,
      ...(heaps.length > 0
        ? {
            heapStartMb: Math.round(heaps[0][1] * 10) / 10,
            heapEndMb: Math.round(heaps[heaps.length - 1][1] * 10) / 10,
            heapSlopeMbPerMin: Math.round(slope(warm(heaps)) * 100) / 100,
          }
        : {}),
      counters: { publishes, deliveries },
      flows: flows.tally,
    };
  } finally {
    await browser?.close();
    await lab.close();
    await lab.lab.redis.managed?.stop?.();
  }
}
