import { describe, expect, it } from 'vitest';
import { reduceAll } from '../../../../trace/reducer.ts';
import { SyntheticLab, parseSynthetic } from './synthetic-feed.ts';

describe('parseSynthetic', () => {
  it.each([
    [null, null],
    ['200,10,500', { clients: 200, servers: 10, flowsPerSecond: 500 }],
    ['', { clients: 200, servers: 10, flowsPerSecond: 500 }],
    ['999,99,5', { clients: 200, servers: 10, flowsPerSecond: 5 }],
    ['a,b', null],
  ])('%s', (spec, want) => expect(parseSynthetic(spec)).toEqual(want));
});

describe('SyntheticLab', () => {
  it('sets up the lab and writes whole broadcasts the reducer understands', () => {
    const lab = new SyntheticLab({ clients: 20, servers: 3, flowsPerSecond: 10 }, 0);
    const events = [...lab.setup(0).events];
    for (let t = 100; t <= 1000; t += 100) events.push(...lab.tick(t).events);
    const state = reduceAll(events);
    expect(Object.keys(state.servers)).toEqual(['s1', 's2', 's3']);
    expect(Object.values(state.clients).filter((c) => c.state === 'connected')).toHaveLength(20);
    const flows = Object.values(state.flows);
    expect(flows).toHaveLength(10);
    for (const f of flows) {
      expect(f.receipts.map((r) => r.decision).sort()).toEqual([
        'delivered',
        'delivered',
        'own-message',
      ]);
      expect(f.clientReceipts).toHaveLength(20);
    }
    // Counters are exact running totals.
    const total = Object.values(state.counters.servers).reduce((a, c) => a + c.publishes, 0);
    expect(total).toBe(10);
  });

  it('under load samples whole flows per source while counting every flow', () => {
    const lab = new SyntheticLab({ clients: 200, servers: 10, flowsPerSecond: 500 }, 0);
    lab.setup(0);
    const events = [];
    for (let t = 20; t <= 2000; t += 20) events.push(...lab.tick(t).events);
    const receipts = events.filter((e) => e.kind === 'client.receive').length;
    const emits = events.filter((e) => e.kind === 'client.emit').length;
    expect(emits).toBe(1000);
    // The hub's 4000/s budget: about one flow in ten keeps its 200 client receipts.
    expect(receipts).toBeLessThan(1000 * 200 * 0.2);
    expect(receipts % 200).toBe(0);
  });
});
