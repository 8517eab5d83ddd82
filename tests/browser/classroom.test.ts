/**
 * Classroom mode in chromium against a real lab: the projector page (1280×720, projector theme)
 * and 30 phone pages, each a context of its own at 390×844. The phones join through the QR
 * code's address, one phone's chat message reaches the 29 others, the teacher stops a server
 * (its phones say so, and once back count what they missed), and the class's vote shows on the
 * projector beside what the lab did; then a lesson's prediction is asked of the class and the
 * step runs with the class's choice. Screenshots go to tests/artifacts/classroom/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { apiCalls, type ApiCall } from '../../trace/api-calls.ts';
import { parseLesson } from '../../trace/lesson/lesson-format.ts';
import { ensurePageBuilt, launchChromium, requireChromium } from '../support/browser-chromium.ts';
import { closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';

const chromiumPath = requireChromium();
const ARTIFACTS = 'tests/artifacts/classroom';
const PHONES = 30;
/** A nickname holding markup: every page must show it as the text it is. */
const MARKUP = '<b>Ada</b>';

interface Phone {
  ctx: BrowserContext;
  page: Page;
  name: string;
  server: string;
}

describe.skipIf(!chromiumPath)('classroom: the projector and 30 phones', () => {
  let lab: TestLab;
  let browser: Browser;
  let projector: Page;
  const phones: Phone[] = [];
  const teacher = <T>(call: ApiCall<T>) => lab.send(call, lab.token);

  /** A phone page that opened the join address, picked `name` and is connected to its server. */
  async function joinPhone(name: string): Promise<Phone> {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await ctx.newPage();
    await page.goto(`${lab.url}/join`, { timeout: 60_000 });
    await page.getByTestId('nickname').fill(name);
    await page.getByTestId('join').click();
    await page.locator('[data-testid=phone][data-state=connected]').waitFor({ timeout: 60_000 });
    const server = (await page.getByTestId('my-server').textContent())!.trim();
    return { ctx, page, name, server };
  }

  const receivedTexts = (p: Phone) =>
    p.page.locator('[data-testid=received] .text').allTextContents();
  const got = (p: Phone, text: string) =>
    p.page
      .locator('[data-testid=received] .text')
      .filter({ hasText: text })
      .first()
      .waitFor({ timeout: 30_000 });
  /** A later test needs the whole class: if joining failed, it says so rather than timing out. */
  const wholeClass = () => expect(phones, 'the 30 phones joined').toHaveLength(PHONES);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensurePageBuilt();
    lab = await makeLab('redis', { servers: 3, host: '0.0.0.0', classroom: { size: 40 } });
    browser = await launchChromium(chromiumPath!);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await ctx.addInitScript(() => localStorage.setItem('fanout-lab-theme', 'projector'));
    projector = await ctx.newPage();
    await projector.goto(`${lab.url}/?token=${lab.token}`);
    await projector.locator('[data-server="s3"][data-state="up"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await closeAllLabs();
  });

  it('shows the QR code and short address, and 30 phones join through it', async () => {
    const card = projector.getByTestId('join-card');
    await card.waitFor();
    const info = (await lab.send(apiCalls.lab())).body;
    const url = info.class!.joinUrls[0];
    expect(url).toMatch(/^http:\/\/.+\/join$/);
    expect(await projector.getByTestId('join-address').textContent()).toBe(
      url.replace('http://', ''),
    );
    // The QR code is drawn: one dark path of many modules.
    expect((await card.locator('svg path').getAttribute('d'))!.length).toBeGreaterThan(500);
    await card.screenshot({ path: `${ARTIFACTS}/join-card.png` });

    // Three at a time: thirty renderers starting at once would starve a 2-core machine.
    const names = [MARKUP, ...Array.from({ length: PHONES - 1 }, (_, i) => `Kid ${i + 1}`)];
    const started = Date.now();
    for (let i = 0; i < names.length; i += 3)
      phones.push(...(await Promise.all(names.slice(i, i + 3).map(joinPhone))));
    console.log(`${PHONES} phone pages joined in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(new Set(phones.map((p) => p.server))).toEqual(new Set(['s1', 's2', 's3']));
    await projector
      .getByTestId('joined-count')
      .filter({ hasText: `${PHONES} of 40 joined` })
      .waitFor();

    // The nickname is text on the phone and on the projector, never markup.
    expect(await phones[0].page.getByTestId('my-name').textContent()).toBe(MARKUP);
    expect(await phones[0].page.locator('[data-testid=my-name] b').count()).toBe(0);
    await phones[0].page.screenshot({ path: `${ARTIFACTS}/phone-joined.png` });
  }, 600_000);

  it("lets the teacher hide the code; the class's phones are clients on the stage, folded per server", async () => {
    wholeClass();
    await projector.getByTestId('hide-qr').click();
    await projector.getByTestId('join-card').waitFor({ state: 'detached' });
    // Ten phones a server: more than a server shows one by one, so each is a group with a count.
    for (const s of ['s1', 's2', 's3']) {
      const n = phones.filter((p) => p.server === s).length;
      await projector
        .locator(`[data-group="${s}"]`)
        .filter({ hasText: String(n) })
        .waitFor();
    }
    await projector.getByRole('tab', { name: 'Class' }).click();
    await projector
      .getByTestId('class-count')
      .filter({ hasText: String(PHONES) })
      .waitFor();
    const listed = await projector.locator('[data-testid=students] .name').allTextContents();
    expect(listed).toContain(MARKUP);
    expect(await projector.locator('[data-testid=students] .name b').count()).toBe(0);
    // The panel brings the code back.
    await projector.getByTestId('toggle-qr').click();
    await projector.getByTestId('join-card').waitFor();
    await projector.getByTestId('toggle-qr').click();
    await projector.getByTestId('join-card').waitFor({ state: 'detached' });
    await projector.screenshot({ path: `${ARTIFACTS}/projector-class.png` });
  }, 60_000);

  it("carries one phone's chat message to the 29 others, and the projector animates its flow", async () => {
    wholeClass();
    const [sender, ...others] = phones;
    await sender.page.getByTestId('phone-message').fill('hello class');
    await sender.page.getByTestId('phone-send').click();
    await Promise.all(others.map((p) => got(p, 'hello class')));
    // The route says which server it came through: s1 → Redis → s2 for a phone on another server.
    const away = others.find((p) => p.server !== sender.server)!;
    const route = await away.page.locator('[data-testid=received] .route').first().textContent();
    expect(route).toBe(`${sender.server} → Redis → ${away.server}`);
    await projector.waitForFunction(
      () =>
        Object.values(
          (
            window as unknown as {
              __fanoutLab: { player: { state: { flows: Record<string, { emit?: unknown }> } } };
            }
          ).__fanoutLab.player.state.flows,
        ).some((f) => JSON.stringify(f.emit ?? null).includes('hello class')),
      undefined,
      { timeout: 15_000 },
    );
  }, 90_000);

  it("a stopped server's phones say so, and once it is back count what they missed", async () => {
    wholeClass();
    const down = phones.filter((p) => p.server === 's2');
    const up = phones.find((p) => p.server === 's1')!;
    expect((await teacher(apiCalls.server('s2', 'stop'))).status).toBe(200);
    for (const p of down)
      await p.page
        .getByTestId('status-line')
        .filter({ hasText: 'Your server s2 is down, reconnecting' })
        .waitFor({ timeout: 15_000 });
    await down[0].page.screenshot({ path: `${ARTIFACTS}/phone-server-down.png` });

    await up.page.getByTestId('phone-message').fill('while s2 was away');
    await up.page.getByTestId('phone-send').click();
    await got(
      phones.find((p) => p.server === 's3')!,
      'while s2 was away',
    );

    expect((await teacher(apiCalls.server('s2', 'start'))).status).toBe(200);
    for (const p of down) {
      const missed = p.page.getByTestId('missed');
      await missed.waitFor({ timeout: 20_000 });
      expect(await missed.textContent()).toMatch(/the others got (at least |about )?1 message /);
      expect(await receivedTexts(p)).not.toContain('while s2 was away');
    }
    await down[0].page.screenshot({ path: `${ARTIFACTS}/phone-missed.png` });
  }, 90_000);

  it("shows the class's vote live on the projector, then the outcome beside it", async () => {
    wholeClass();
    const choices = ['everyone', "everyone but s2's phones", "only s1's phones"];
    const opened = await teacher(
      apiCalls.classVote({ question: 'Stop s2. Who gets the next message?', choices }),
    );
    expect(opened.status).toBe(201);
    await projector.getByTestId('vote-chart').waitFor();
    // A third vote for the first choice, the rest for the second: each phone once.
    const pick = (i: number) => (i % 3 === 0 ? 0 : 1);
    await Promise.all(
      phones.map(async (p, i) => {
        await p.page.getByTestId(`phone-choice-${pick(i)}`).click({ timeout: 15_000 });
        await p.page.getByTestId('voted').waitFor();
      }),
    );
    const want = [0, 1, 2].map((c) => phones.filter((_, i) => pick(i) === c).length);
    for (const [c, n] of want.entries())
      await projector
        .locator(`[data-testid=vote-bar-${c}][data-count="${n}"]`)
        .waitFor({ timeout: 15_000 });
    await expect
      .poll(() => projector.getByTestId('vote-tally').textContent(), { timeout: 15_000 })
      .toMatch(`${PHONES} of ${PHONES} voted`);

    expect(
      (await teacher(apiCalls.classVoteClose({ fits: [1], observed: 's1 and s3 only' }))).status,
    ).toBe(200);
    await projector.getByTestId('vote-outcome').waitFor();
    expect(await projector.locator('[data-testid=vote-bar-1].fits').count()).toBe(1);
    await phones[1].page.getByTestId('phone-outcome').waitFor();
    await projector.screenshot({ path: `${ARTIFACTS}/projector-vote.png` });
  }, 90_000);

  // Last: opening the lesson restarts the lab's servers under the phones.
  it("asks a lesson's prediction of the class, and runs the step with the class's choice", async () => {
    wholeClass();
    const lesson = parseLesson(
      'lessons/02-the-ten-steps.md',
      readFileSync('lessons/02-the-ten-steps.md', 'utf8'),
    );
    const predict = lesson.steps[0].predict!;
    await projector.getByRole('button', { name: 'Show', exact: true }).click();
    await projector.click('[data-testid=lesson-open-ten-steps]');
    await projector.locator('[data-testid=lesson-step][data-index="0"]').waitFor();
    await projector.locator('[data-testid=ask-class]:enabled').click({ timeout: 30_000 });
    // Most of the class picks the right answer; the projector's button runs the most voted.
    const pick = (i: number) => (i % 5 === 0 ? (predict.expect + 1) % predict.choices.length : predict.expect);
    await Promise.all(
      phones.map(async (p, i) => {
        await p.page.getByTestId(`phone-choice-${pick(i)}`).click({ timeout: 15_000 });
        await p.page.getByTestId('voted').waitFor();
      }),
    );
    await expect
      .poll(() => projector.getByTestId('class-votes').textContent(), { timeout: 15_000 })
      .toMatch(`${PHONES} of ${PHONES} voted`);
    const run = projector.getByTestId('run-class-choice');
    expect(await run.textContent()).toContain(predict.choices[predict.expect].text);
    await run.click();
    const verdict = projector.getByTestId('lesson-verdict');
    await verdict.waitFor({ timeout: 30_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('right');
    // What the lab did goes to the projector beside the votes, and to the phones.
    await projector.getByTestId('vote-outcome').waitFor({ timeout: 15_000 });
    expect(await projector.locator(`[data-testid=vote-bar-${predict.expect}].fits`).count()).toBe(1);
    await phones[1].page.getByTestId('phone-outcome').waitFor({ timeout: 15_000 });
    await projector.screenshot({ path: `${ARTIFACTS}/projector-lesson-vote.png` });
  }, 120_000); // prettier-ignore
});
