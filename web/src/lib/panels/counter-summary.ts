/** The counters panel's numbers, from the exact `counters` totals (never from sampled detail). */
import type { Decision } from '../../../../trace/events.ts';
import type { CounterTotals } from '../../../../trace/state.ts';

export interface CounterSummary {
  publishes: number;
  receipts: number;
  delivered: number;
  deliveries: number;
  drops: number;
  dropsBy: Partial<Record<Decision, number>>;
  skipped: number;
}

export function summarize(t: CounterTotals): CounterSummary {
  let receipts = 0;
  let drops = 0;
  const dropsBy: Partial<Record<Decision, number>> = {};
  for (const [decision, n] of Object.entries(t.receipts) as [Decision, number][]) {
    receipts += n;
    if (decision !== 'delivered') {
      drops += n;
      dropsBy[decision] = n;
    }
  }
  return {
    publishes: t.publishes,
    receipts,
    delivered: t.receipts.delivered ?? 0,
    deliveries: t.deliveries,
    drops,
    dropsBy,
    skipped: t.skipped,
  };
}
