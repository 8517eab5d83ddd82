/**
 * One door: a page with a lesson open holds exactly one socket to the hub, gets each batch once
 * on it, and reports its clients through the control API. Before, the lessons panel opened a
 * /lab socket of its own, and the page got every batch twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();

describe.skipIf(!chromiumPath)('one door to the hub', () => {
  let lab: TestLab;
  let browser: Browser;
  let page: Page;
  /** Every Socket.IO frame the page got on a WebSocket to the hub, by socket. */
  const hubFrames: string[][] = [];

  beforeAll(async () => {
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 2 });
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const hubPort = new URL(lab.url).port;
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).port !== hubPort) return;
      const frames: string[] = [];
      hubFrames.push(frames);
      ws.on('framereceived', ({ payload }) => frames.push(String(payload)));
    });
    await page.goto(lab.url);
    await page.locator('[data-server="s2"][data-state="up"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('with a lesson open, holds one hub socket and gets each batch once', async () => {
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.click('[data-testid=lesson-open-ten-steps]');
    await page.locator('[data-testid=lesson-step][data-index="0"]').waitFor({ timeout: 20_000 });
    // The lesson holds the lab under the page's name, which rides on the page's one socket.
    await expect.poll(() => lab.lab.lessons.current?.holder).toMatch(/^page-/);

    // The lesson's rebuild of the lab is done: the clients made now are not swept away by it.
    await lab.waitForEvent((e) => e.kind === 'lab.notice' && e.topic === 'setup', {
      past: true,
      timeoutMs: 20_000,
    });
    const made = await lab.send(apiCalls.addClients({ count: 2 }));
    expect(made.status).toBe(201);
    const text = `one door ${Date.now()}`;
    const sent = await lab.send(apiCalls.emit(made.body[0].id, 'chat message', [text]));
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const batches = () => hubFrames.flat().filter((f) => f.includes('"trace"'));
    await expect
      .poll(() => batches().filter((f) => f.includes(text)).length, { timeout: 10_000 })
      .toBeGreaterThan(0);

    expect(lab.hub.io.of('/lab').sockets.size).toBe(1);
    expect(lab.hub.io.engine.clientsCount).toBe(1);
    expect(hubFrames.filter((frames) => frames.length > 0)).toHaveLength(1);
    const seen = batches();
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("reports the page's clients through the control API, and lets go of the lab with the page", async () => {
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/page/')) asked.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    type Hooks = { __fanoutLab: { pageClients: { add(server: string, port: number): string } } };
    await page.evaluate(
      (port) => (window as unknown as Hooks).__fanoutLab.pageClients.add('s1', port),
      lab.lab.server('s1').port,
    );
    await expect
      .poll(
        async () =>
          (await lab.send(apiCalls.lab())).body.clients.filter((c) => c.kind === 'page').length,
      )
      .toBe(1);
    expect(asked).toContain('POST /api/page/clients');
    await page.close();
    await expect.poll(() => lab.lab.lessons.current).toBeNull();
    expect(lab.lab.pages.size).toBe(0);
  });
});
