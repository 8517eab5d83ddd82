/**
 * axe-core in the browser tests (issue 20: zero violations in every theme), shared by the
 * suites that run it.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const THEMES = ['light', 'dark', 'projector'] as const;

export interface AxeFinding {
  id: string;
  impact: string | null;
  targets: string[];
}

/** axe-core's violations on the page as it stands, with where they are. */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  // Once per document: the suites run it again after each change of theme or panel.
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(c: Document, o: object): Promise<AxeResult> } })
      .axe;
    type AxeResult = {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    };
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}
