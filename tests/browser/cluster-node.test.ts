/**
 * A Redis Cluster node stopped and started from the page (the Lab tab's node rows, which call
 * POST /api/redis/nodes/{id}/stop|start), in Debian's chromium against a real lab on a real local
 * 3-master cluster with the sharded adapter: the stage draws the node down, its row says which
 * shard channel and which clients it took away, and Start brings it back on both. A second lab on
 * the same cluster given by URLs shows the buttons disabled, with the reason. Real redis-server
 * only (the broker has no cluster).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LabCluster } from '../../server/redis-cluster/lab-cluster.ts';
import { holdsSlot, keySlot } from '../../trace/cluster-slots.ts';
import type { ClusterNodeInfo } from '../../trace/lab-info.ts';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, until, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';

describe.skipIf(!chromiumPath)('a cluster node stopped and started from the page', () => {
  let lab: TestLab;
  let browser: Browser;
  let page: Page;
  let owner: ClusterNodeInfo;
  let cluster: LabCluster;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    cluster = await LabCluster.open({});
    lab = await makeLab('redis', { cluster, adapter: 'sharded', subscriptionMode: 'static' });
    expect((await lab.send(apiCalls.addClients({ count: 3 }))).status).toBe(201);
    // The master whose slots hold socket.io#/#, where every server SSUBSCRIBEs.
    const slot = keySlot('socket.io#/#');
    owner = cluster.nodes().find((n) => n.role === 'master' && holdsSlot(n.slots, slot))!;
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(lab.url);
    await page.locator(`g[data-node="node:${owner.name}"]`).waitFor();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('Stop draws the node down and names what it took away; Start brings it back', async () => {
    await page.click('[data-tab=controls]');
    const row = page.locator(`[data-cluster-node="${owner.name}"]`);
    const stageNode = page.locator(`g[data-node="node:${owner.name}"]`);
    expect(await row.getAttribute('data-state')).toBe('up');
    expect(await stageNode.getAttribute('class')).not.toMatch(/\bdown\b/);

    await page.getByRole('button', { name: `Stop node ${owner.name}` }).click();
    await page.locator(`[data-cluster-node="${owner.name}"][data-state="down"]`).waitFor();
    await page.locator(`g[data-node="node:${owner.name}"].down`).waitFor();
    expect(await stageNode.textContent()).toContain('✕ down');
    const outage = page.locator(`[data-outage="${owner.name}"]`);
    await outage.waitFor();
    const said = (await outage.textContent()) ?? '';
    expect(said).toContain(`Slots ${owner.slots} unserved`);
    expect(said).toContain('socket.io#/#');
    expect(said).toMatch(/Missing broadcasts: 3 clients/);
    await page.screenshot({ path: `${ARTIFACTS}/cluster-node-down.png` });

    await page.getByRole('button', { name: `Start node ${owner.name}` }).click();
    await page.locator(`[data-cluster-node="${owner.name}"][data-state="up"]`).waitFor();
    await page.locator(`g[data-node="node:${owner.name}"]:not(.down)`).waitFor();
    expect(await outage.count()).toBe(0);
    expect(await stageNode.textContent()).not.toContain('✕ down');
  }, 60_000);

  it('at 390 px wide every node shows its name and its whole slot range', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(lab.url);
      await phone.locator('g[data-node^="node:n"]').first().waitFor();
      for (const n of cluster.nodes()) {
        const text = await phone
          .locator(`g[data-node="node:${n.name}"] text.name`)
          .allTextContents();
        expect(text.join(' ')).toContain(n.name);
        expect(text.join(' ')).toContain(n.slots);
        expect(text.join(' ')).not.toContain('…');
      }
      await phone.screenshot({ path: `${ARTIFACTS}/cluster-nodes-390.png` });
    } finally {
      await phone.close();
    }
  }, 60_000);

  it('a cluster given by URLs lists its nodes with the buttons disabled, and says why', async () => {
    // The node started again says cluster_state:fail until it has heard from the others; a
    // cluster given by URLs must say ok on every node first.
    await until(
      async () =>
        (
          await Promise.all(
            [0, 1, 2].map((i) => cluster.ask(i, 'CLUSTER', 'INFO').then(String, () => '')),
          )
        ).every((info) => info.includes('cluster_state:ok')),
      20_000,
      'cluster_state:ok after the restart',
    );
    const given = await LabCluster.open({ urls: [cluster.urls[0]] });
    const other = await makeLab('redis', { cluster: given, servers: 1 });
    const second = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await second.goto(other.url);
      await second.click('[data-tab=controls]');
      await second.getByTestId('cluster-why-not').waitFor();
      expect(await second.getByTestId('cluster-why-not').textContent()).toMatch(
        /did not start this cluster/,
      );
      const stops = second.getByRole('button', { name: /^Stop node n\d$/ });
      expect(await stops.count()).toBe(3);
      for (const stop of await stops.all()) expect(await stop.isDisabled()).toBe(true);
    } finally {
      await second.close();
    }
  }, 60_000);
});
