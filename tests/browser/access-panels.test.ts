/**
 * axe-core on the rest of the page (issue 20): the lessons panel open (the list, then a lesson's
 * first step with its prediction), the classroom panels (the Class tab and the join card), and the
 * static trace viewer with a file open, in every theme, with zero violations.
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveStatic } from '../../server/hub/static-files.ts';
import { serializeTrace } from '../../trace/trace-file.ts';
import {
  ensurePageBuilt,
  launchChromium,
  requireChromium,
  WEB_DIST,
} from '../support/browser-chromium.ts';
import { axeViolations, THEMES } from '../support/axe.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';

describe.skipIf(!chromiumPath)('axe on the lessons, classroom and viewer panels', () => {
  let lab: TestLab;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', {
      servers: 3,
      host: '0.0.0.0',
      classroom: { size: 10 },
      redisKind: 'owned',
    });
    await lab.send(apiCalls.addClients({ count: 4 }), lab.token);
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  async function themed(page: Page, theme: string): Promise<void> {
    await page.getByTestId('theme').selectOption(theme);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
  }

  it('the Class tab, the join card and the lessons panel open: no violation in any theme', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${lab.url}/?token=${lab.token}`);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
    await page.getByTestId('join-card').waitFor();
    await page.locator('[data-tab="class"]').click();
    const found: Record<string, unknown> = {};
    for (const theme of THEMES) {
      await themed(page, theme);
      found[`${theme}: class`] = await axeViolations(page);
    }
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('[data-testid=lesson-open-ten-steps]').waitFor();
    for (const theme of THEMES) {
      await themed(page, theme);
      found[`${theme}: lesson list`] = await axeViolations(page);
    }
    await page.click('[data-testid=lesson-open-ten-steps]');
    await page.locator('[data-testid=lesson-step][data-index="0"]').waitFor({ timeout: 20_000 });
    for (const theme of THEMES) {
      await themed(page, theme);
      found[`${theme}: lesson step`] = await axeViolations(page);
    }
    await page.screenshot({ path: `${ARTIFACTS}/access-lesson.png` });
    for (const [where, violations] of Object.entries(found)) expect(violations, where).toEqual([]);
    await page.close();
  });

  it('the static viewer with a trace open: no violation in any theme', async () => {
    const file = `${ARTIFACTS}/access-viewer-trace.json`;
    writeFileSync(file, serializeTrace({ events: lab.events, exportedAt: 'test' }));
    const server = http.createServer((req, res) => serveStatic(req, res, WEB_DIST));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.setInputFiles('[data-testid=open-trace]', file);
      await page.getByTestId('viewer-banner').waitFor();
      await page.locator('[data-server]').first().waitFor();
      const found: Record<string, unknown> = {};
      for (const theme of THEMES) {
        await themed(page, theme);
        found[theme] = await axeViolations(page);
      }
      await page.screenshot({ path: `${ARTIFACTS}/access-viewer.png` });
      for (const [where, violations] of Object.entries(found))
        expect(violations, where).toEqual([]);
    } finally {
      await page.close();
      server.close();
    }
  });
});
