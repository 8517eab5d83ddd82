/**
 * A page opened late on a busy lab (issue 20): the hub's ring no longer holds the lab's
 * beginning (no server.up, no client.connect, no SUBSCRIBE), yet the page shows every server,
 * every client, Redis up and every channel the servers listen on, with solid lines. The ring is
 * made small here (300 events, 150 sent on opening) rather than waiting for 20,000 to pass.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Redis } from 'ioredis';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';
interface ExportProbe {
  exportParts(): { snapshot?: { clients: Record<string, unknown> } };
}
const SETUP_KINDS = new Set(['server.up', 'client.connect', 'room.join', 'redis.command']);

describe.skipIf(!chromiumPath)('a page opened after the ring rolled over', () => {
  let lab: TestLab;
  let browser: Browser;
  let clients: { id: string; server: string }[] = [];
  /** A subscriber from outside the lab, which no server reports: only Redis knows it. */
  let outsider: Redis | undefined;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3, ringSize: 300, historyEvents: 150 });
    const plain = await lab.send(apiCalls.addClients({ count: 6 }));
    const blue = await lab.send(apiCalls.addClients({ count: 3, rooms: ['blue'] }));
    clients = [...plain.body, ...blue.body];
    outsider = new Redis(lab.lab.shared.url);
    await outsider.subscribe('socket.io-request#/#', 'outside:news');
    expect(clients).toHaveLength(9);
    // Traffic until the lab's set-up has left the ring: every event it holds is a message's.
    for (let i = 0; lab.lab.ring.last().some((e) => SETUP_KINDS.has(e.kind)); i++) {
      if (i > 400) throw new Error('the ring never rolled over');
      const from = clients[i % clients.length];
      await lab.send(apiCalls.emit(from.id, 'chat message', [`busy ${i}`]));
    }
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    outsider?.disconnect();
    await closeAllLabs();
  });

  it('shows every server, client, channel and connection', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(lab.url);
    for (const s of ['s1', 's2', 's3'])
      await page.locator(`[data-server="${s}"][data-state="up"]`).waitFor();
    await page.locator('[data-redis="up"]').waitFor({ timeout: 5000 });
    // The hub reads Redis's subscriptions every 2 s: the outsider's channel comes with that report.
    await page.locator('g[data-node="channel:outside:news"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}/late-page.png` });

    const shown = await page.evaluate(() => ({
      clients: [...document.querySelectorAll('[data-client]')].map((e) =>
        e.getAttribute('data-client'),
      ),
      groups: [...document.querySelectorAll('[data-group]')].map((e) =>
        e.getAttribute('data-group'),
      ),
      nodes: [...document.querySelectorAll('g[data-node]')].map((e) => e.getAttribute('data-node')),
      listeners: Object.fromEntries(
        [...document.querySelectorAll('g[data-node]')].map((e) => [
          e.getAttribute('data-node'),
          `${e.getAttribute('data-listeners')} (${e.getAttribute('data-others')} not a server)`,
        ]),
      ),
      lines: [...document.querySelectorAll('path[data-line]')].map((e) => ({
        line: e.getAttribute('data-line'),
        node: e.getAttribute('data-node'),
        cls: e.getAttribute('class') ?? '',
      })),
      empty: document.body.textContent?.includes('No server yet') ?? false,
    }));
    expect(shown.empty).toBe(false);
    // Each client is drawn, or its server's group holds it.
    for (const c of clients) {
      expect(
        shown.clients.includes(c.id) || shown.groups.includes(c.server),
        `${c.id} on ${c.server}`,
      ).toBe(true);
    }
    expect(shown.nodes).toEqual(
      expect.arrayContaining(['channel:socket.io#/#', 'channel:socket.io#/#blue#']),
    );
    // Redis's own count (PUBSUB, CLIENT LIST), read by the hub: the outsider's channel is drawn,
    // and the request channel counts it beside the three servers.
    expect(shown.nodes).toContain('channel:outside:news');
    expect(shown.listeners['channel:outside:news']).toBe('1 (1 not a server)');
    expect(shown.listeners['channel:socket.io-request#/#']).toBe('4 (1 not a server)');
    // The hub's roster subscriber is the lab's plumbing, hidden with the monitor channel.
    expect(shown.nodes.filter((n) => n?.endsWith(':roster'))).toEqual([]);
    // Every server's pub and sub connections are up and read from what the lab did, not assumed.
    for (const s of ['s1', 's2', 's3']) {
      for (const kind of ['pub', 'sub']) {
        const lines = shown.lines.filter((l) => l.line === `${kind}:${s}`);
        expect(lines.length, `${kind}:${s}`).toBeGreaterThan(0);
        for (const l of lines) {
          expect(l.cls, `${kind}:${s} → ${l.node}`).toMatch(/\bup\b/);
          expect(l.cls, `${kind}:${s} → ${l.node}`).not.toMatch(/assumed/);
        }
      }
    }
    // An export of this recording starts from the state the hub sent, clients and all.
    const exported = await page.evaluate(() => {
      const probe = (window as unknown as { __fanoutLab: { player: ExportProbe } }).__fanoutLab;
      return Object.keys(probe.player.exportParts().snapshot?.clients ?? {});
    });
    expect(exported.sort()).toEqual(clients.map((c) => c.id).sort());
    await page.close();
  });

  it('GET /api/state answers the lab as it stands', async () => {
    const res = await lab.send(apiCalls.state());
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.state.servers).sort()).toEqual(['s1', 's2', 's3']);
    expect(Object.keys(res.body.state.clients).sort()).toEqual(clients.map((c) => c.id).sort());
  });
});
