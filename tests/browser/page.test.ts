/**
 * The lab page in Debian's chromium against a real lab (real Redis, three real servers, six
 * headless lab clients): a message's hops and the narration's steps, a server stopped from the
 * UI, stepping back and forth, and an exported trace reopened in the static viewer with no
 * server at all. Screenshots go to tests/artifacts/.
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveStatic } from '../../server/hub/static-files.ts';
import type { Flow } from '../../trace/state.ts';
import {
  WEB_DIST,
  ensurePageBuilt,
  launchChromium,
  requireChromium,
} from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';

interface Probe {
  player: {
    state: { flows: Record<string, Flow> };
    cursor: number;
  };
  metrics: { lost: number };
  pageClients: { list: { state: string }[] };
}
declare const window: { __fanoutLab: Probe };

/** The flow whose client.emit carried `text`, once `done` says it is complete enough. */
async function flowOf(page: Page, text: string, minReceipts: number): Promise<Flow> {
  const handle = await page.waitForFunction(
    ([t, n]) => {
      const flows = Object.values(window.__fanoutLab.player.state.flows);
      const f = flows.find((x) => x.emit?.args?.[0] === t);
      return f && f.clientReceipts.length >= (n as number) ? f : null;
    },
    [text, minReceipts] as const,
    { timeout: 15_000 },
  );
  return (await handle.jsonValue()) as Flow;
}

async function narration(page: Page): Promise<{ step: string; text: string }> {
  const box = page.locator('.narration');
  return {
    step: (await box.getAttribute('data-step')) ?? '',
    text: (await page.getByTestId('narration').textContent()) ?? '',
  };
}

/** Steps forward with the keyboard until the narration stops changing; returns what it said. */
async function stepThrough(page: Page, max = 60): Promise<{ step: string; text: string }[]> {
  const seen = [await narration(page)];
  for (let i = 0; i < max; i++) {
    const before = await page.locator('[data-testid=position]').textContent();
    await page.keyboard.press('ArrowRight');
    const moved = await page
      .waitForFunction(
        (b) => document.querySelector('[data-testid=position]')?.textContent !== b,
        before,
        { timeout: 1500 },
      )
      .then(() => true)
      .catch(() => false);
    if (!moved) break;
    seen.push(await narration(page));
  }
  return seen;
}

describe.skipIf(!chromiumPath)('the lab page', () => {
  let lab: TestLab;
  let browser: Browser;
  let page: Page;
  let exported = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3 });
    // Two headless clients per server: the emptiest server gets each new one.
    const made = await lab.send(apiCalls.addClients({ count: 6 }));
    expect(made.status).toBe(201);
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(lab.url);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('a message from a page client shows its hops in causal order, narrating steps 8, 9 and 10', async () => {
    await page.click('[data-tab=clients]');
    await page.selectOption('[data-testid=page-client-server]', 's1');
    await page.click('[data-testid=add-page-client]');
    await page.waitForFunction(() => window.__fanoutLab.pageClients.list[0]?.state === 'connected');
    const text = `hello ${Date.now()}`;
    await page.fill('[data-testid=message]', text);
    await page.click('[data-testid=send-chat]');
    // Six lab clients and the page client itself: io.emit reaches the sender too.
    const flow = await flowOf(page, text, 7);
    expect(flow.origin).toBe('s1');
    await page.screenshot({ path: `${ARTIFACTS}/page-live-message.png` });

    // Follow it from the log: filter on its flow, pick a row, follow from the inspector.
    await page.click('[data-tab=log]');
    await page.fill('input[placeholder=any] >> nth=1', flow.id);
    await page.locator('[data-testid=event-log] button').first().click();
    await page.click('[data-tab=inspect]');
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.locator('.narration[data-step="8"]').waitFor();
    await page.locator('body').focus();

    const said = await stepThrough(page);
    const steps = said.map((s) => Number(s.step));
    expect(said[0].text).toMatch(new RegExp(`sent "chat message" \\("${text}"\\) to s1`));
    // Causal order: never back to an earlier step, and all of 8, 9, 10 pass by.
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps)).toEqual(new Set([8, 9, 10]));
    const all = said.map((s) => s.text).join('\n');
    expect(all).toMatch(/s1's pub connection sent PUBLISH socket\.io#\/#/);
    expect(all).toMatch(/Redis answered s1's PUBLISH on socket\.io#\/#: 3 receivers/);
    expect(all).toMatch(/s1's sub connection got socket\.io#\/#.*is s1's own, so it drops it/);
    expect(all).toMatch(
      /s2's sub connection got socket\.io#\/#.*writes the packet to \d+ local socket/,
    );
    expect(all).toMatch(/on s3 received "chat message"/);
    await page.screenshot({ path: `${ARTIFACTS}/page-followed-message.png` });
  });

  it('steps back and forward one hop', async () => {
    const last = await narration(page);
    const cursor = await page.evaluate(() => window.__fanoutLab.player.cursor);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((c) => window.__fanoutLab.player.cursor !== c, cursor);
    const back = await narration(page);
    expect(back.text).not.toBe(last.text);
    await page.keyboard.press('PageDown');
    await page.waitForFunction((c) => window.__fanoutLab.player.cursor === c, cursor);
    expect(await narration(page)).toEqual(last);
    await page.keyboard.press('PageUp');
    await page.waitForFunction((c) => window.__fanoutLab.player.cursor !== c, cursor);
    expect(await narration(page)).toEqual(back);
  });

  it("s3's link frozen, healed and slowed from the servers panel: the row and the stage say so", async () => {
    await page.keyboard.press('g'); // back to live after the step test
    await page.click('[data-tab=controls]');
    await page.getByRole('button', { name: "Freeze s3's link to Redis" }).click();
    await page.locator('[data-link="s3"]', { hasText: 'frozen' }).waitFor();
    // Both of s3's lines are drawn held, and the sub line says how.
    await page.locator('[data-line="pub:s3"].link-frozen').first().waitFor();
    await page.locator('[data-line="sub:s3"].link-frozen').first().waitFor();
    expect(await page.locator('[data-link-label="s3"]').textContent()).toContain('frozen');
    await page.getByRole('button', { name: "Heal s3's link to Redis" }).click();
    await page.locator('[data-link-label="s3"]').waitFor({ state: 'detached' });
    // Keyboard only: the Slow button is reached and pressed like any other.
    await page.getByRole('button', { name: "Slow s3's link to Redis" }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-link-label="s3"]', { hasText: 'slow reader' }).waitFor();
    // A slow server still publishes: only its sub line is held.
    expect(await page.locator('[data-line="pub:s3"].link-slow').count()).toBe(0);
    await page.getByRole('button', { name: "Heal s3's link to Redis" }).click();
    await page.locator('[data-link="s3"]').waitFor({ state: 'detached' });
  });

  it('s2 stopped from the UI is shown down, and its clients miss the next message', async () => {
    await page.keyboard.press('g');
    await page.click('[data-tab=controls]');
    // Take the feed from s2's /monitor relay, so stopping s2 also shows the feed failing over.
    await page.selectOption('[data-testid=feed-preference]', 's2');
    await expect.poll(() => page.getByTestId('feed').textContent()).toMatch(/s2 \/monitor/);
    await page.getByRole('button', { name: 'Stop s2' }).click();
    await page.locator('[data-server="s2"][data-state="down"]').waitFor();
    await expect
      .poll(() => page.getByTestId('feed').textContent())
      .toMatch(/s3 \/monitor .*failed over: s2 is (down|unreachable)/);
    expect(await page.locator('[data-server="s2"] .state').textContent()).toContain('down');
    const lostBefore = await page.evaluate(() => window.__fanoutLab.metrics.lost);

    await page.click('[data-tab=clients]');
    const text = `while s2 is down ${Date.now()}`;
    await page.fill('[data-testid=message]', text);
    await page.click('[data-testid=send-chat]');
    // The clients of s1 and s3 (two lab clients each, and the page client) get it.
    const flow = await flowOf(page, text, 5);
    expect(flow.receipts.map((r) => r.server).sort()).toEqual(['s1', 's3']);
    expect(flow.clientReceipts.filter((r) => r.server === 's2')).toEqual([]);
    const info = await lab.send(apiCalls.lab());
    const s2Clients = info.body.clients.filter((c) => c.server === 's2').map((c) => c.id);
    expect(s2Clients.length).toBeGreaterThan(0);
    // The message visibly stops on s2's sub line.
    await page.waitForFunction((n) => window.__fanoutLab.metrics.lost > n, lostBefore);

    await page.click('[data-tab=log]');
    await page.fill('input[placeholder=any] >> nth=1', flow.id);
    await page.locator('[data-testid=event-log] button').first().click();
    await page.click('[data-tab=inspect]');
    const outcome = page.getByTestId('outcome');
    for (const id of s2Clients)
      await expect.poll(() => outcome.textContent()).toContain(`${id} on s2 missed it`);
    await page.screenshot({ path: `${ARTIFACTS}/page-s2-down.png` });
  });

  it('exports the recording', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=export]'),
    ]);
    exported = `${ARTIFACTS}/exported-trace.json`;
    await download.saveAs(exported);
  });

  it('reopens the exported trace in the static viewer with no server, and refuses bad files', async () => {
    expect(exported).not.toBe('');
    // Only the built page: no hub, no lab servers behind it.
    const server = http.createServer((req, res) => serveStatic(req, res, WEB_DIST));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const viewer = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await viewer.goto(`http://127.0.0.1:${port}/`);
      await viewer.setInputFiles('[data-testid=open-trace]', exported);
      await viewer.getByTestId('viewer-banner').waitFor();
      // A file plays from its first hop: a server coming up (the lab starts its servers side by
      // side, so which one comes first varies).
      await viewer.locator('[data-server]').first().waitFor();
      const first = await viewer.getByTestId('narration').textContent();
      await viewer.click('[data-testid=step-forward]');
      await expect.poll(() => viewer.getByTestId('narration').textContent()).not.toBe(first);
      await viewer.screenshot({ path: `${ARTIFACTS}/viewer-phone.png`, fullPage: true });

      const bad = `${ARTIFACTS}/not-a-trace.json`;
      writeFileSync(bad, '{"hello": ');
      await viewer.setInputFiles('[data-testid=open-trace]', bad);
      await expect.poll(() => viewer.getByTestId('file-error').textContent()).toMatch(/not JSON/);
      const newer = `${ARTIFACTS}/newer-trace.json`;
      writeFileSync(
        newer,
        JSON.stringify({ format: 'fanout-lab-trace', v: 99, exportedAt: 'x', events: [] }),
      );
      await viewer.setInputFiles('[data-testid=open-trace]', newer);
      await expect
        .poll(() => viewer.getByTestId('file-error').textContent())
        .toMatch(/newer Fanout Lab \(trace version 99/);
    } finally {
      await viewer.close();
      server.close();
    }
  });
});

describe.skipIf(!chromiumPath)('the lab page on an exposed hub', () => {
  let lab: TestLab;
  let browser: Browser;

  beforeAll(async () => {
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 2, host: '0.0.0.0' });
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('asks for the token once, and takes ?token= from the address without showing it', async () => {
    expect(lab.token).toBeTruthy();
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(lab.url);
    await page.locator('[data-server="s1"][data-state="up"]').waitFor();
    // Watching needs nothing; changing does.
    await page.getByTestId('token').waitFor();
    await page.getByRole('button', { name: 'Just watch' }).click();
    await page.getByRole('button', { name: 'Stop s1' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/failed/);
    await page.getByTestId('token').fill(lab.token!);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('button', { name: 'Stop s1' }).click();
    await page.locator('[data-server="s1"][data-state="down"]').waitFor();
    await page.close();

    const second = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await second.goto(`${lab.url}/?token=${lab.token}`);
    await second.locator('[data-server="s2"][data-state="up"]').waitFor();
    expect(second.url()).not.toContain('token');
    await second.getByRole('button', { name: 'Stop s2' }).click();
    await second.locator('[data-server="s2"][data-state="down"]').waitFor();
    await second.close();
  });
});
