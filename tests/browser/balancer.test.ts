/**
 * The balancer on the page, in Debian's chromium against a real lab behind the real balancer
 * (nginx in CI): the stage draws it and the requests it refuses, the walkthrough tells the HTTP
 * steps, and a page client that comes through it long-polling first fails behind round-robin and
 * gets in once it is sticky, which only works if the browser keeps the balancer's cookie across
 * ports. Screenshots go to tests/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';

interface Probe {
  pageClients: { list: { id: string; state: string; server: string }[] };
}
declare const window: { __fanoutLab: Probe };

describe.skipIf(!chromiumPath)('the balancer on the page', () => {
  let lab: TestLab;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3, balancer: { mode: 'round-robin' } });
    expect((await lab.send(apiCalls.addClients({ via: 'balancer', count: 3 }))).status).toBe(201);
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(lab.url);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('draws the balancer, and the walkthrough tells the HTTP steps between 1 and 2', async () => {
    await page.locator('[data-balancer="round-robin"]').waitFor();
    const steps = await page
      .locator('.walkthrough li')
      .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-step')));
    expect(steps.slice(0, 4)).toEqual(['1', '1a', '1b', '2']);
  });

  it('a page client long-polling through round-robin is refused, and the stage says so', async () => {
    await page.click('[data-tab=clients]');
    await page.selectOption('[data-testid=page-client-server]', '(balancer)');
    await page.check('[data-testid=page-client-polling]');
    await page.click('[data-testid=add-page-client]');
    // The answer past the bar: its status where the gap is narrow, the whole of it as a tooltip.
    // Read in one go: a flight leaves the stage after a moment.
    const seen = await page.waitForFunction(
      () => {
        const g = document.querySelector('.balancer .flight.refused:has(.answer)');
        return (
          g && [g.querySelector('.answer')?.textContent, g.querySelector('title')?.textContent]
        );
      },
      undefined,
      { timeout: 15_000 },
    );
    const [answer, tooltip] = (await seen.jsonValue()) as [string, string];
    expect(answer).toMatch(/^400/);
    expect(tooltip).toMatch(/^s\d: 400 Session ID unknown$/);
    await page.locator('.balancer .refused-count').first().waitFor();
    const id = await page.evaluate(() => window.__fanoutLab.pageClients.list[0].id);
    await lab.waitForEvent(
      (e) => e.kind === 'http.request' && e.client === id && e.error === 'Session ID unknown',
      { past: true },
    );
    expect(await page.evaluate(() => window.__fanoutLab.pageClients.list[0].state)).not.toBe(
      'connected',
    );
    await page.screenshot({ path: `${ARTIFACTS}/balancer-round-robin.png` });
  });

  it('switched to sticky, the browser keeps the cookie: the page client gets in and upgrades', async () => {
    expect((await lab.send(apiCalls.balancer('sticky'))).status).toBe(200);
    await page.locator('[data-balancer="sticky"]').waitFor();
    await page.waitForFunction(
      () => {
        const c = window.__fanoutLab.pageClients.list[0];
        return c.state === 'connected' && /^s\d$/.test(c.server);
      },
      undefined,
      { timeout: 15_000 },
    );
    const { id, server } = await page.evaluate(() => window.__fanoutLab.pageClients.list[0]);
    const upgraded = await lab.waitForEvent(
      (e) => e.kind === 'transport.upgrade' && e.client === id,
      { past: true },
    );
    expect(upgraded.server).toBe(server);
    await page.locator('.mine li', { hasText: `on ${server} via the balancer` }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/balancer-sticky.png` });
  });
});
