import { describe, expect, it } from 'vitest';
import { FlowBudget } from './flow-budget.ts';

describe('FlowBudget', () => {
  it('keeps every flow while under budget', () => {
    const b = new FlowBudget(100, 0);
    for (let i = 0; i < 50; i++) expect(b.keep(`f${i}`, 0)).toBe(true);
    expect(b.shedFlows).toBe(0);
  });

  it('past the budget leaves out whole flows, and a kept flow keeps all its events', () => {
    const b = new FlowBudget(10, 0);
    expect(b.keep('a', 0)).toBe(true);
    for (let i = 0; i < 20; i++) expect(b.keep('a', 0)).toBe(true);
    expect(b.keep('b', 0)).toBe(false);
    expect(b.keep('b', 0)).toBe(false);
    expect(b.shedFlows).toBe(1);
    expect(b.shedEvents).toBe(2);
    // The budget refills with time; a flow already left out stays out.
    expect(b.keep('c', 5000)).toBe(true);
    expect(b.keep('b', 5000)).toBe(false);
  });
});
