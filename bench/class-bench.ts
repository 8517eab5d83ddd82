/**
 * `npm run bench -- class [--phones 200] [--rate 50] [--seconds 15] [--loads 6] [--joins 5]`
 *
 * Classroom mode as a teacher runs it: `npm start -- --classroom` as a child process, a class of
 * `--phones` phone-equivalent clients (the phone page's own PhoneLink, from Node) joined through
 * POST /api/join, chatting `--rate` messages a second between them. Measured in one run:
 * 1. the projector page (chromium, 1280x720, projector theme): frame times with the class joined
 *    and quiet (the baseline), then while it chats;
 * 2. the phone page (390x844, a fresh context each time): from navigation to the nickname field,
 *    from the lab's hub and, alternately, from bench/plain-static.mjs serving the same files;
 * 3. a phone page joining while the class chats: from the tap on "Join" to its first message.
 * Goals (issue 14): projector p95 frame at most 20 ms; phone page load at most 1 s; join to first
 * message at most 2 s.
 */
import type { Browser } from 'playwright-core';
import { freePortBlock, isListening } from '../server/free-port.ts';
import {
  WEB_DIST,
  ensurePageBuilt,
  launchChromium,
  requireChromium,
} from '../tests/support/browser-chromium.ts';
import { makePhone } from '../tests/support/phones.ts';
import type { PhoneLink } from '../web/src/join/phone-link.ts';
import { numberOption as option, percentile, round1 as r1 } from './bench-stats.ts';
import { frameDeltas, frameStats, shimNames } from './frame-probe.ts';
import { writeResult } from './result-file.ts';
import { labReady, startProgram, type ChildProgram } from './setups.ts';

const PHONE = { width: 390, height: 844 };
const r2 = (x: number) => Math.round(x * 100) / 100;

function summary(ms: number[]) {
  return {
    n: ms.length,
    medianMs: r1(percentile(ms, 50)),
    p95Ms: r1(percentile(ms, 95)),
    maxMs: r1(Math.max(...ms)),
  };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`class bench: ${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** From navigation to the nickname field, on a fresh context (nothing cached). */
async function phonePageLoad(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: PHONE });
  try {
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('[data-testid=nickname]').waitFor();
    return performance.now() - t0;
  } finally {
    await context.close();
  }
}

/** A phone page joins the chatting class: from the tap on "Join" to its first message shown. */
async function joinToFirstMessage(browser: Browser, hub: string, name: string): Promise<number> {
  const context = await browser.newContext({ viewport: PHONE });
  try {
    const page = await context.newPage();
    await page.goto(`${hub}/join`);
    await page.fill('[data-testid=nickname]', name);
    const t0 = performance.now();
    await page.click('[data-testid=join]');
    await page.locator('[data-testid=received] li').first().waitFor({ timeout: 30_000 });
    return performance.now() - t0;
  } finally {
    await context.close();
  }
}

/** `rate` chat messages a second, each from the next phone in turn. */
function chat(phones: PhoneLink[], rate: number): { stop(): number } {
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    // Catch up on the ticks a busy event loop delayed, so the rate holds on average.
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) phones[sent % phones.length].send(`message ${sent}`);
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

export default async function (argv: string[]): Promise<void> {
  const count = option(argv, 'phones', 200);
  const rate = option(argv, 'rate', 50);
  const seconds = option(argv, 'seconds', 15);
  const loads = option(argv, 'loads', 6);
  const joins = option(argv, 'joins', 5);
  const chromiumPath = requireChromium();
  if (!chromiumPath) {
    console.error('class bench: chromium is not on PATH (apt-get install -y chromium).');
    process.exitCode = 1;
    return;
  }
  await ensurePageBuilt();
  const port = await freePortBlock(5);
  const hub = `http://127.0.0.1:${port}`;
  const programs: ChildProgram[] = [];
  let browser: Browser | null = null;
  const phones: PhoneLink[] = [];
  try {
    console.log(`class bench: npm start -- --classroom on ${port}...`);
    const flags = ['--classroom', '--class-size', count + joins, '--quiet'];
    const lab = ['--port', port, '--base-port', port + 1, ...flags].map(String);
    programs.push(
      await startProgram(['npm', 'start', '--silent', '--', ...lab], 'npm start', () =>
        labReady(port),
      ),
    );
    programs.push(
      await startProgram(
        ['node', 'bench/plain-static.mjs', WEB_DIST, String(port + 4)],
        'the plain static server',
        () => isListening('127.0.0.1', port + 4),
      ),
    );
    browser = await launchChromium(chromiumPath);

    console.log(`class bench: the phone page, ${loads} loads from the lab and from plain...`);
    const load = { lab: [] as number[], plain: [] as number[] };
    for (let i = 0; i < loads; i++) {
      // Alternating, so both see the same weather.
      load.lab.push(await phonePageLoad(browser, `${hub}/join`));
      load.plain.push(await phonePageLoad(browser, `http://127.0.0.1:${port + 4}/join`));
    }

    console.log(`class bench: ${count} phones join...`);
    // Twenty at a time, as a class scanning a QR code does, more or less.
    for (let i = 0; i < count; i += 20) {
      const batch = Array.from({ length: Math.min(20, count - i) }, () => makePhone(hub));
      const errors = await Promise.all(batch.map((p, k) => p.join(`Student ${i + k + 1}`)));
      const refused = errors.filter(Boolean);
      if (refused.length) throw new Error(`class bench: a phone was refused: ${refused[0]}`);
      phones.push(...batch);
    }
    await until(() => phones.every((p) => p.state === 'connected'), 60_000, 'all phones connected');

    const projector = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await shimNames(projector);
    await projector.addInitScript(() => localStorage.setItem('fanout-lab-theme', 'projector'));
    const page = await projector.newPage();
    await page.goto(hub);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
    console.log(`class bench: the projector, ${seconds} s with the class quiet...`);
    const quiet = await frameDeltas(page, seconds);
    const vsync = percentile(quiet, 50);

    console.log(`class bench: the projector, ${seconds} s with the class chatting ${rate}/s...`);
    const talk = chat(phones, rate);
    await new Promise((r) => setTimeout(r, 2000));
    const chatting = await frameDeltas(page, seconds);

    console.log(`class bench: ${joins} phone pages join the chatting class...`);
    const joined: number[] = [];
    for (let i = 0; i < joins; i++)
      joined.push(await joinToFirstMessage(browser, hub, `Late ${i}`));
    const sent = talk.stop();
    const heard = phones.filter((p) => p.received.length > 0).length;

    const result = {
      phones: count,
      ratePerSecond: rate,
      seconds,
      sent,
      phonesThatReceived: heard,
      projector: {
        viewport: '1280x720 projector',
        quiet: frameStats(quiet, vsync),
        chatting: frameStats(chatting, vsync),
        p95ChattingOverQuiet: r2(percentile(chatting, 95) / percentile(quiet, 95)),
      },
      phonePageLoad: {
        lab: summary(load.lab),
        plain: summary(load.plain),
        medianLabOverPlain: r2(percentile(load.lab, 50) / percentile(load.plain, 50)),
      },
      joinToFirstMessage: summary(joined),
      goals: {
        projectorP95AtMost20ms: percentile(chatting, 95) <= 20,
        phoneLoadAtMost1s: Math.max(...load.lab) <= 1000,
        joinToFirstMessageAtMost2s: Math.max(...joined) <= 2000,
      },
    };
    const file = writeResult('class', result);
    console.log(JSON.stringify(result, null, 2));
    console.log(`written to ${file}`);
    if (heard < count) console.warn(`class bench: only ${heard} of ${count} phones received.`);
  } finally {
    for (const p of phones) p.close();
    await browser?.close();
    for (const p of programs.reverse()) await p.stop();
  }
}
