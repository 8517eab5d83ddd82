/**
 * What moves on the stage, in chromium against a real lab: a broadcast's particle goes through
 * Redis's channel, then the pattern, then down each subscriber's line (classic), or through the
 * shard channel (sharded); class pace plays it step by step while the next one waits; and the
 * defects found trying the page as a new user would stay fixed.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SpawnRecord } from '../../web/src/lib/stage/particles.ts';
import type { Flow } from '../../trace/state.ts';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts/stage';

interface Probe {
  player: { state: { flows: Record<string, Flow> } };
  metrics: { spawnLog: SpawnRecord[]; crosses: () => { edge: string; until: number }[] };
  pageClients: { list: { id: string; state: string }[] };
}
declare const window: { __fanoutLab: Probe };

type Point = { x: number; y: number };

async function openPage(
  browser: Browser,
  lab: TestLab,
  theme: string,
): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await ctx.addInitScript((t) => localStorage.setItem('fanout-lab-theme', t), theme);
  const page = await ctx.newPage();
  await page.goto(lab.url);
  await page.locator('[data-server="s3"][data-state="up"]').waitFor();
  return [ctx, page];
}

/** A lab client's chat message, through the control API; resolves with its flow id on the page. */
async function chat(lab: TestLab, page: Page, client: string, text: string): Promise<string> {
  const r = await lab.send(apiCalls.emit(client, 'chat message', [text]));
  expect(r.status).toBe(200);
  const handle = await page.waitForFunction(
    (t) =>
      Object.values(window.__fanoutLab.player.state.flows).find((f) => f.emit?.args?.[0] === t)
        ?.id ?? null,
    text,
    { timeout: 15_000 },
  );
  return (await handle.jsonValue()) as string;
}

/** The particles spawned for `flow`, once its copies have left Redis for `copies` servers. */
async function spawned(page: Page, flow: string, copies: number): Promise<SpawnRecord[]> {
  const handle = await page.waitForFunction(
    ([f, n]) => {
      const log = window.__fanoutLab.metrics.spawnLog.filter((r) => r.flow === f);
      return log.filter((r) => r.kind === 'fanout').length >= (n as number) ? log : null;
    },
    [flow, copies] as const,
    { timeout: 15_000 },
  );
  return (await handle.jsonValue()) as SpawnRecord[];
}

/** Where lines meet a Redis node (its left middle) and a server's sub end, in stage units. */
async function anchors(page: Page) {
  return page.evaluate(() => {
    const nodes: Record<string, { x: number; y: number }> = {};
    for (const g of document.querySelectorAll('[data-node] > rect')) {
      const id = g.parentElement!.getAttribute('data-node')!;
      const r = g as SVGRectElement;
      nodes[id] = { x: r.x.baseVal.value, y: r.y.baseVal.value + r.height.baseVal.value / 2 };
    }
    const subs: Record<string, { x: number; y: number }> = {};
    for (const c of document.querySelectorAll('[data-server] circle.end.sub')) {
      const id = c.closest('[data-server]')!.getAttribute('data-server')!;
      const el = c as SVGCircleElement;
      subs[id] = { x: el.cx.baseVal.value, y: el.cy.baseVal.value };
    }
    return { nodes, subs };
  });
}

const near = (a: Point, b: Point | undefined) =>
  expect(b && Math.hypot(a.x - b.x, a.y - b.y)).toBeLessThan(0.5);

describe.skipIf(!chromiumPath)('what moves on the stage', () => {
  let lab: TestLab;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3 });
    expect((await lab.send(apiCalls.addClients({ count: 3 }))).status).toBe(201);
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('classic: the PUBLISH enters the channel, Redis matches the pattern, one copy leaves per subscriber', async () => {
    const [ctx, page] = await openPage(browser, lab, 'light');
    try {
      const flow = await chat(lab, page, 'c1', `order ${Date.now()}`);
      const log = await spawned(page, flow, 3);
      const { nodes, subs } = await anchors(page);
      const publish = log.find((r) => r.kind === 'publish')!;
      const match = log.find((r) => r.kind === 'match')!;
      const copies = log.filter((r) => r.kind === 'fanout');
      near(publish.to, nodes['channel:socket.io#/#']);
      near(match.from, nodes['channel:socket.io#/#']);
      near(match.to, nodes['pattern:socket.io#/#*']);
      expect(publish.t0).toBeLessThan(match.t0);
      expect(copies.map((c) => c.edge).sort()).toEqual(['sub:s1', 'sub:s2', 'sub:s3']);
      for (const c of copies) {
        near(c.from, nodes['pattern:socket.io#/#*']);
        near(c.to, subs[c.edge!.slice(4)]);
        expect(c.t0).toBeGreaterThanOrEqual(match.t0);
      }
      await page.screenshot({ path: `${ARTIFACTS}/flow-classic.png` });
    } finally {
      await ctx.close();
    }
  });

  it('class pace: the ten steps follow each hop, 8 then 9 then 10, while the next message waits', async () => {
    const [ctx, page] = await openPage(browser, lab, 'projector');
    try {
      expect(await page.getByTestId('pace').inputValue()).toBe('class');
      // Every change of the highlighted step, with when it happened.
      await page.evaluate(() => {
        const seen: [number, number][] = [];
        (window as unknown as { steps: [number, number][] }).steps = seen;
        const ol = document.querySelector('.walkthrough ol')!;
        new MutationObserver(() => {
          const step = Number(ol.querySelector('[aria-current=step]')?.getAttribute('data-step'));
          if (step && seen.at(-1)?.[1] !== step) seen.push([performance.now(), step]);
        }).observe(ol, { subtree: true, attributes: true, attributeFilter: ['aria-current'] });
      });
      const stageBox = () => page.locator('.stage svg').boundingBox();
      const before = await stageBox();
      const first = await chat(lab, page, 'c1', `first ${Date.now()}`);
      await chat(lab, page, 'c3', `second ${Date.now()}`);
      await expect.poll(() => page.getByTestId('queue').textContent()).toMatch(/1 more waiting/);
      await page.screenshot({ path: `${ARTIFACTS}/class-pace-queue.png` });
      // The queue shows without moving the time bar, so the stage (and what it holds) stays put.
      expect(await stageBox()).toEqual(before);
      const steps = (await (
        await page.waitForFunction(
          () => {
            const s = (window as unknown as { steps: [number, number][] }).steps;
            return s.some(([, n]) => n === 10) ? s : null;
          },
          null,
          { timeout: 20_000 },
        )
      ).jsonValue()) as [number, number][];
      const order = steps.map(([, n]) => n);
      const at = (n: number) => steps.find(([, s]) => s === n)![0];
      expect(order.slice(order.indexOf(8))).toEqual([8, 9, 10]);
      // Slow enough to read: the three steps take seconds, not the moment they take live.
      expect(at(10) - at(8)).toBeGreaterThan(2000);
      await page.getByTestId('skip').click();
      await expect.poll(() => page.getByTestId('queue').textContent()).toBe('none waiting');
      expect(first).toBeTruthy();
    } finally {
      await ctx.close();
    }
  });

  it("a client's label picks it: its line does not cover it", async () => {
    const [ctx, page] = await openPage(browser, lab, 'light');
    try {
      const label = page.locator('[data-client="c2"] .label');
      const box = (await label.boundingBox())!;
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      const under = await page.evaluate(
        ([px, py]) =>
          document.elementFromPoint(px, py)?.closest('[data-client]')?.getAttribute('data-client'),
        [x, y],
      );
      expect(under).toBe('c2');
      await page.mouse.click(x, y);
      await expect.poll(() => page.getByTestId('picked-client').textContent()).toBe('c2');
    } finally {
      await ctx.close();
    }
  });

  it('a clean stop is told as a stop; a lost mark goes as soon as its line works again', async () => {
    const [ctx, page] = await openPage(browser, lab, 'light');
    try {
      expect((await lab.send(apiCalls.server('s2', 'stop'))).status).toBe(200);
      await page.locator('[data-server="s2"][data-state="down"]').waitFor();
      await expect
        .poll(() => page.getByTestId('narration').textContent())
        .toMatch(/s2's (pub|sub) connection \(s2:(pub|sub)\) closed: s2 is stopping/);
      expect(await page.locator('.narration').getAttribute('data-step')).toBe('1');

      await chat(lab, page, 'c1', `while s2 is down ${Date.now()}`);
      const cross = (await (
        await page.waitForFunction(
          () => window.__fanoutLab.metrics.crosses().find((c) => c.edge === 'sub:s2') ?? null,
          null,
          { timeout: 10_000 },
        )
      ).jsonValue()) as { until: number };
      expect((await lab.send(apiCalls.server('s2', 'start'))).status).toBe(200);
      await page.locator('[data-server="s2"][data-state="up"]').waitFor();
      const gone = await page.waitForFunction(
        () => !window.__fanoutLab.metrics.crosses().some((c) => c.edge === 'sub:s2'),
        null,
        { timeout: 5_000 },
      );
      expect(await gone.jsonValue()).toBe(true);
      // It went with the restart, not because its time was up.
      expect(await page.evaluate(() => performance.now())).toBeLessThan(cross.until);
    } finally {
      await ctx.close();
    }
  });

  it('page clients are named p1, p2; a rebuild of the lab (a lesson set-up) closes them', async () => {
    const [ctx, page] = await openPage(browser, lab, 'light');
    try {
      await page.click('[data-tab=clients]');
      for (const n of [1, 2]) {
        await page.click('[data-testid=add-page-client]');
        await page.waitForFunction((k) => window.__fanoutLab.pageClients.list.length === k, n);
      }
      expect(
        await page.evaluate(() => window.__fanoutLab.pageClients.list.map((c) => c.id)),
      ).toEqual(['p1', 'p2']);
      const rebuilt = await lab.send(
        apiCalls.setup({
          servers: 3,
          adapter: 'redis',
          clients: [{ server: 's1' }, { server: 's2' }, { server: 's3' }],
        }),
      );
      expect(rebuilt.status).toBe(200);
      await page.waitForFunction(() => window.__fanoutLab.pageClients.list.length === 0);
      await expect
        .poll(async () => {
          const info = await lab.send(apiCalls.lab());
          return info.body.clients.filter((c) => c.kind === 'page').length;
        })
        .toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('sharded: the SPUBLISH goes through the shard channel, and no pattern', async () => {
    const rebuilt = await lab.send(
      apiCalls.setup({
        servers: 3,
        adapter: 'sharded',
        subscriptionMode: 'dynamic',
        clients: [{ server: 's1' }, { server: 's2' }, { server: 's3' }],
      }),
    );
    expect(rebuilt.status).toBe(200);
    const [ctx, page] = await openPage(browser, lab, 'light');
    try {
      const flow = await chat(lab, page, 'c1', `sharded ${Date.now()}`);
      const log = await spawned(page, flow, 3);
      const { nodes, subs } = await anchors(page);
      expect(Object.keys(nodes).some((id) => id.startsWith('pattern:'))).toBe(false);
      const publish = log.find((r) => r.kind === 'publish')!;
      near(publish.to, nodes['shard:socket.io#/#']);
      expect(log.some((r) => r.kind === 'match')).toBe(false);
      for (const c of log.filter((r) => r.kind === 'fanout')) {
        near(c.from, nodes['shard:socket.io#/#']);
        near(c.to, subs[c.edge!.slice(4)]);
        expect(c.t0).toBeGreaterThan(publish.t0);
      }
      await expect.poll(() => page.getByTestId('narration').textContent()).toMatch(/./);
      await page.screenshot({ path: `${ARTIFACTS}/flow-sharded.png` });
    } finally {
      await ctx.close();
    }
  });
});
