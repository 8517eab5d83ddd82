/**
 * "The ten steps", completed by clicking through the page in Debian's chromium against a real
 * lab (real Redis, three real servers): predictions answered on the page (one of them wrongly,
 * which the page must catch), tasks done with "show me", the claims each step checks on the lab,
 * the summary, progress kept in localStorage and shown in the list, the Redis console used from
 * the page, the lab let go at the end, and the notice when another lesson holds the lab.
 * Screenshots go to tests/artifacts/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseLesson } from '../../trace/lesson/lesson-format.ts';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts';
const FILE = 'lessons/02-the-ten-steps.md';
const LESSON = parseLesson(FILE, readFileSync(FILE, 'utf8'));
/** The one prediction answered wrongly on purpose: the page must say so. */
const WRONG_AT = LESSON.steps.findIndex((s) => s.title.startsWith('Steps 2 and 3'));

describe.skipIf(!chromiumPath)('a lesson in the page', () => {
  let lab: TestLab;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    // Its own redis-server: the lesson's claims count Redis's receivers, and other labs of the suite
    // on a shared Redis would be counted too.
    lab = await makeLab('redis', { servers: 3, redisKind: 'owned' });
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(lab.url);
    await page.locator('[data-server="s3"][data-state="up"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  async function stepIs(i: number): Promise<void> {
    await page.locator(`[data-testid=lesson-step][data-index="${i}"]`).waitFor({ timeout: 20_000 });
  }

  it('completes "The ten steps" by clicking, and the page judges each prediction by the lab', async () => {
    expect(WRONG_AT).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.screenshot({ path: `${ARTIFACTS}/lesson-list.png` });
    await page.click('[data-testid=lesson-open-ten-steps]');
    const verdicts: string[] = [];
    for (const [i, step] of LESSON.steps.entries()) {
      await stepIs(i);
      if (step.predict) {
        const p = step.predict;
        const choice = i === WRONG_AT ? (p.expect + 1) % p.choices.length : p.expect;
        await page.locator(`[data-testid=lesson-choice-${choice}]:enabled`).click();
      }
      if (step.task) await page.locator('[data-testid=lesson-showme]:enabled').click();
      await page.locator('[data-testid=lesson-next]:enabled').waitFor({ timeout: 25_000 });
      if (step.predict) {
        const verdict = page.getByTestId('lesson-verdict');
        verdicts.push((await verdict.getAttribute('data-verdict')) ?? '');
        if (i === WRONG_AT) await page.screenshot({ path: `${ARTIFACTS}/lesson-wrong-answer.png` });
      }
      if (step.check.length) {
        const claims = page.getByTestId('lesson-claims');
        await claims.waitFor();
        expect(await claims.getAttribute('data-missed')).toBe('0');
        expect(await claims.locator('li').count()).toBe(step.check.length);
      }
      if (step.highlight.includes('client:c1'))
        await page.locator('[data-client][data-lesson-highlight]').first().waitFor();
      if (i === 4) await page.screenshot({ path: `${ARTIFACTS}/lesson-step-8.png` });
      await page.click('[data-testid=lesson-next]');
    }
    const asked = LESSON.steps.filter((s) => s.predict).length;
    expect(verdicts).toHaveLength(asked);
    expect(verdicts.filter((v) => v === 'wrong')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'right')).toHaveLength(asked - 1);

    const summary = page.getByTestId('lesson-summary');
    await summary.waitFor();
    expect(await page.getByTestId('lesson-score').textContent()).toBe(
      `Predictions: ${asked - 1} of ${asked} right.`,
    );
    const claimed = LESSON.steps.reduce((n, s) => n + s.check.length, 0);
    expect(await page.getByTestId('lesson-claims-score').textContent()).toContain(
      `${claimed} of ${claimed} borne out`,
    );
    await page.screenshot({ path: `${ARTIFACTS}/lesson-summary.png` });
    // Finishing lets go of the lab.
    await expect.poll(async () => (await lab.send(apiCalls.lab())).body.lesson).toBeNull();
  });

  it('keeps progress in localStorage, shown in the list', async () => {
    await page.click('[data-testid=lesson-to-list]');
    const entry = page.locator('[data-testid=lesson-open-ten-steps]');
    await expect.poll(() => entry.textContent()).toContain('done');
    const stored = await page.evaluate(() => localStorage.getItem('fanout-lab-lessons'));
    expect(JSON.parse(stored ?? '{}')['ten-steps']).toMatchObject({ done: true });
    await page.reload();
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => entry.textContent()).toContain('predictions right');
    const total = (await page.locator('[data-testid^=lesson-open-]').count()).toString();
    expect(await page.getByTestId('lesson-progress').textContent()).toContain(
      `1 of ${total} lessons done`,
    );
    // The first lesson not done is marked as the next one.
    expect(await page.locator('[data-testid=lesson-open-redis-pubsub]').textContent()).toContain(
      'next',
    );
    await page.screenshot({ path: `${ARTIFACTS}/lesson-list-progress.png` });
  });

  it('runs real commands from the Redis console, and shows what Redis sent back', async () => {
    const consolePanel = page.getByTestId('redis-console');
    await consolePanel.locator('summary').click();
    await page.getByTestId('console-line').fill('SUBSCRIBE news');
    await page.getByTestId('console-send').click();
    const a = consolePanel.locator('[data-connection=A]');
    await expect.poll(() => a.textContent()).toContain('["subscribe", "news", (integer) 1]');
    await consolePanel.locator('label', { hasText: 'B' }).click();
    await page.getByTestId('console-line').fill('PUBLISH news "<b>hi</b> there"');
    await page.getByTestId('console-send').click();
    await expect.poll(() => a.textContent()).toContain('["message", "news", "<b>hi</b> there"]');
    expect(await consolePanel.locator('b').count()).toBe(0);
    expect(await consolePanel.locator('[data-connection=B]').textContent()).toContain(
      '(integer) 1',
    );
    await page.getByTestId('console-line').fill('FLUSHALL');
    await page.getByTestId('console-send').click();
    await expect.poll(() => consolePanel.getByRole('alert').textContent()).toContain('FLUSHALL');
    await page.screenshot({ path: `${ARTIFACTS}/lesson-console.png` });
    await lab.send(apiCalls.consoleClose());
  });

  it('says the lab is busy while another lesson holds it', async () => {
    const claim = await lab.send(
      apiCalls.lessonClaim({ id: 'other', title: 'Somebody else’s lesson', holder: 'someone' }),
    );
    expect(claim.status).toBe(200);
    const notice = page.getByTestId('lesson-busy');
    await expect.poll(() => notice.textContent()).toContain('Somebody else’s lesson');
    expect(await page.locator('[data-testid=lesson-open-ten-steps]').isDisabled()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/lesson-busy.png` });
    await lab.send(apiCalls.lessonRelease('someone'));
    await notice.waitFor({ state: 'detached' });
  });
});
