/**
 * Inspect's socket counts on the page, against a real lab (real Redis, two real servers, two
 * headless lab clients and a socket.io-client of nobody's): what a broadcast was expected to
 * reach is counted in the sockets connected when it was emitted, by kind (issue 20). A socket
 * that connects afterwards, and a lab client removed, leave the line as it was. Screenshots of
 * the panel at the sizes a class meets go to tests/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { apiCalls, type MadeClient } from '../../trace/api-calls.ts';
import type { Deliver } from '../../trace/events.ts';
import type { LabState } from '../../trace/state.ts';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { chatArrives } from '../support/chat-arrival.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';

declare const window: { __fanoutLab: { player: { state: LabState } } };

/** What Inspect said of the broadcast when it was emitted: c1 and c2, and the outsider. */
const AT_EMIT =
  'Sockets: expected 3 (2 lab clients, 1 outside), delivered 3 (2 lab clients, 1 outside)';

describe.skipIf(!chromiumPath)("Inspect's socket counts", () => {
  let lab: TestLab;
  let browser: Browser;
  let made: MadeClient[];
  let flow: string;

  /** The page in `theme` at `w`×`h`, with the broadcast picked in the log and Inspect open. */
  async function inspect(w: number, h: number, theme = 'light'): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: w, height: h } });
    await ctx.addInitScript((t) => localStorage.setItem('fanout-lab-theme', t), theme);
    const page = await ctx.newPage();
    await page.goto(lab.url);
    await page.locator('[data-server="s2"][data-state="up"]').waitFor();
    await page.click('[data-tab=log]');
    await page.fill('input[placeholder=any] >> nth=1', flow);
    await page.locator('[data-testid=event-log] button').first().click();
    await page.click('[data-tab=inspect]');
    return page;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 2 });
    made = (await lab.send(apiCalls.addClients({ count: 2 }))).body;
    // Straight to s2's port, saying nothing of itself: an outside client.
    const outsider: Socket = await lab.client('s2');
    const text = `counted ${Date.now()}`;
    const arrived = chatArrives(outsider, text);
    await lab.send(apiCalls.emit(made[0].id, 'chat message', [text]));
    await arrived;
    const first = (await lab.waitForEvent(
      (e) => e.kind === 'deliver' && e.event === 'chat message',
      { past: true },
    )) as Deliver;
    flow = first.flow!;
    for (const server of ['s1', 's2'])
      await lab.waitForEvent(
        (e) => e.kind === 'deliver' && e.server === server && e.flow === flow,
        { past: true },
      );
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('counts what the broadcast was expected to reach when it was emitted, whoever comes or goes later', async () => {
    const page = await inspect(1280, 720);
    const counts = page.getByTestId('socket-counts');
    await expect.poll(() => counts.textContent()).toBe(AT_EMIT);

    // Another outside socket connects to s1, and c2 leaves the lab.
    const later = await lab.client('s1');
    expect((await lab.send(apiCalls.removeClient(made[1].id))).status).toBe(200);
    await page.waitForFunction(
      ([socket, client]) => {
        const s = window.__fanoutLab.player.state;
        return s.sockets[socket]?.connected === true && s.clients[client]?.state === 'disconnected';
      },
      [later.id!, made[1].id] as const,
      { timeout: 15_000 },
    );
    expect(await counts.textContent()).toBe(AT_EMIT);
    await page.context().close();
  });

  it('reads the same at every size (screenshots)', async () => {
    const sizes: [number, number, string][] = [
      [1024, 768, 'projector'],
      [1280, 720, 'projector'],
      [1920, 1080, 'light'],
      [390, 844, 'light'],
    ];
    for (const [w, h, theme] of sizes) {
      const page = await inspect(w, h, theme);
      const counts = page.getByTestId('socket-counts');
      await expect.poll(() => counts.textContent()).toBe(AT_EMIT);
      await counts.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}/socket-counts-${w}x${h}-${theme}.png` });
      await page.context().close();
    }
  });
});
