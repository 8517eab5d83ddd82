/**
 * A page that everyone can use, with a crowd on the stage (issue 20): axe-core finds no
 * violation in any theme (a group unfolded, a removal asking first); fields' edges stand out at
 * 3:1; every client of an unfolded group can be reached from its list, and on a touch phone the
 * group is a list rather than a pile of dots, with 44 px targets; the keyboard gets from a server
 * on the stage to its controls and keeps its place through Stop and Start; the live region never
 * says a socket id.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { axeViolations, THEMES } from '../support/axe.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';
/** WCAG's contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe.skipIf(!chromiumPath)('a page everyone can use, with a crowd', () => {
  let lab: TestLab;
  let browser: Browser;
  let ofS1: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3 });
    const made = await lab.send(apiCalls.addClients({ count: 36 }));
    ofS1 = made.body.filter((c) => c.server === 's1').map((c) => c.id);
    expect(ofS1.length).toBeGreaterThan(8);
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  async function open(theme: string, viewport: { width: number; height: number }, touch = false) {
    const ctx = await browser.newContext({ viewport, hasTouch: touch, isMobile: touch });
    await ctx.addInitScript((t) => localStorage.setItem('fanout-lab-theme', t), theme);
    const page = await ctx.newPage();
    await page.goto(lab.url);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
    await page.locator('[data-group="s1"]').waitFor();
    return page;
  }

  it.each(THEMES)(
    '%s: no axe violation, fields at 3:1, every client of a group reachable from its list',
    async (theme) => {
      const page = await open(theme, { width: 1280, height: 720 });
      await page.locator('[data-group="s1"]').first().click();
      const listed = page.locator('[data-list="s1"] [data-list-client]');
      await expect.poll(() => listed.count()).toBe(ofS1.length);
      // The stage has room for some of them; the list reaches the last one too.
      const last = ofS1[ofS1.length - 1];
      await page.locator(`[data-list-client="${last}"]`).click();
      await expect.poll(() => page.getByTestId('picked-client').textContent()).toBe(last);
      const field = await page.getByTestId('message').evaluate((el) => {
        const panel = el.closest('section') ?? document.body;
        return {
          edge: getComputedStyle(el).borderTopColor,
          around: getComputedStyle(panel.closest('.panel') ?? panel).backgroundColor,
        };
      });
      expect(contrast(field.edge, field.around), JSON.stringify(field)).toBeGreaterThanOrEqual(3);
      // A removal asks first; the question is on the page while axe looks.
      await page.locator('[data-tab="controls"]').click();
      await page.locator('[aria-label="Remove s2…"]').click();
      await page.locator('[data-keep="s2"]').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.locator('[data-keep="s2"]').click();
      await expect.poll(() => page.locator('[data-remove="s2"]').count()).toBe(0);
      expect(await page.locator('[data-server="s2"]').count()).toBe(1);
      await page.context().close();
    },
  );

  it('on a touch phone: a group is a list, not a pile, and targets are 44 px', async () => {
    const page = await open('light', { width: 390, height: 844 }, true);
    await page.locator('[data-group="s1"]').first().tap();
    await page.locator('[data-list="s1"]').waitFor();
    expect(await page.locator('[data-client][aria-label*=" on s1"]').count()).toBe(0);
    expect(await page.locator('[data-list="s1"] [data-list-client]').count()).toBe(ofS1.length);
    await page.screenshot({ path: `${ARTIFACTS}/access-phone.png`, fullPage: true });
    const small = await page.evaluate(() => {
      const seen = [
        ...document.querySelectorAll('button, select, [data-group] [data-target], .motion'),
      ];
      return seen
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && (r.width < 43.5 || r.height < 43.5))
        .map(
          ({ el, r }) =>
            `${el.textContent?.trim() || el.outerHTML.slice(0, 60)} ${r.width}x${r.height}`,
        );
    });
    expect(small).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("the keyboard: skip link, a server's controls from the stage, focus kept through Stop and Start, no socket id spoken", async () => {
    const page = await open('light', { width: 1280, height: 720 });
    const focused = () =>
      page.evaluate(
        () =>
          document.activeElement?.getAttribute('aria-label') ??
          document.activeElement?.id ??
          document.activeElement?.tagName,
      );
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      'Skip to the panels',
    );
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('panel');

    // A broadcast to 36 sockets (before Stop and Start, whose reconnections could make the monitor
    // sample it out): the live region tells it without a socket id.
    const sent = await lab.send(apiCalls.emit(ofS1[0], 'chat message', ['hello']));
    expect(sent.status).toBe(200);
    const live = page.getByTestId('live-region');
    await expect
      .poll(
        async () =>
          `${await live.textContent()} | ${await page.getByTestId('narration').textContent()}`,
        { timeout: 10_000 },
      )
      .toMatch(/hello.* \| /);
    expect(await live.textContent()).not.toMatch(/socket [^\s]{6}…|[^\s,()]{6}…/);
    await page.locator('[data-server="s3"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('Stop s3');
    await page.keyboard.press('Enter');
    await page.locator('[data-server="s3"][data-state="down"]').waitFor();
    await expect.poll(focused).toBe('Start s3');
    await page.keyboard.press('Enter');
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
    await expect.poll(focused).toBe('Stop s3');

    await page.context().close();
  });
});
