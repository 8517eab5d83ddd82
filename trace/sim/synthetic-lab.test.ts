import { describe, expect, it } from 'vitest';
import type { Envelope, LabEvent } from '../events.ts';
import { reduceAll } from '../reducer.ts';
import { SyntheticLab, parseSynthetic } from './synthetic-lab.ts';

describe('parseSynthetic', () => {
  it.each([
    [null, null],
    ['200,10,500', { clients: 200, servers: 10, flowsPerSecond: 500 }],
    ['', { clients: 200, servers: 10, flowsPerSecond: 500 }],
    ['999,99,5', { clients: 200, servers: 10, flowsPerSecond: 5 }],
    [
      '200,10,500,20000',
      { clients: 200, servers: 10, flowsPerSecond: 500, detailPerSecond: 20000 },
    ],
    ['a,b', null],
    ['1,1,1,y', null],
  ])('%s', (spec, want) => expect(parseSynthetic(spec)).toEqual(want));
});

const events = (envelopes: Envelope[]): LabEvent[] => envelopes.flatMap((e) => e.events);

describe('SyntheticLab', () => {
  it('sets up the lab and writes whole broadcasts the reducer understands', () => {
    const lab = new SyntheticLab({ clients: 20, servers: 3, flowsPerSecond: 10 }, 0);
    const all = events(lab.setup(0));
    for (let t = 100; t <= 1000; t += 100) all.push(...events(lab.tick(t)));
    const state = reduceAll(all);
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

  it('batches per source, as the monitor does', () => {
    const lab = new SyntheticLab({ clients: 6, servers: 3, flowsPerSecond: 50 }, 0);
    lab.setup(0);
    const envelopes = lab.tick(100);
    expect(envelopes.map((e) => e.from).sort()).toEqual(['hub', 's1', 's2', 's3']);
    for (const e of envelopes) expect(e.events.every((ev) => ev.seq > 0)).toBe(true);
    // The lab forgets what it handed over: it can run for hours.
    expect(lab.script.events).toHaveLength(0);
  });

  it("under a lab's budget samples by the sink's rule while counting every flow", () => {
    const lab = new SyntheticLab({ clients: 200, servers: 10, flowsPerSecond: 500 }, 0);
    lab.setup(0);
    const envelopes: Envelope[] = [];
    for (let t = 20; t <= 3000; t += 20) envelopes.push(...lab.tick(t));
    const all = events(envelopes);
    const modes = all.filter((e) => e.kind === 'monitor.mode');
    // 100,000 receipts a second against the sink's 600 per source: as sparse as it gets, 1 in 1000.
    expect(modes.filter((e) => e.server === 'hub').map((e) => e.oneIn)).toEqual([10, 100, 1000]);
    expect(envelopes.some((e) => e.sampled)).toBe(true);
    // The counters count all 1500 broadcasts.
    const counters = reduceAll(all).counters.servers;
    expect(Object.values(counters).reduce((a, c) => a + c.publishes, 0)).toBe(1500);
  });

  it("with the bench's budget keeps one flow in ten, whole", () => {
    const opts = { clients: 200, servers: 10, flowsPerSecond: 500, detailPerSecond: 20_000 };
    const lab = new SyntheticLab(opts, 0);
    lab.setup(0);
    const all: LabEvent[] = [];
    for (let t = 20; t <= 3000; t += 20) all.push(...events(lab.tick(t)));
    const levels = all.filter((e) => e.kind === 'monitor.mode').map((e) => e.oneIn);
    expect(new Set(levels)).toEqual(new Set([10]));
    // Whole flows once the level has settled (a flow that straddles a change can lose a part, as
    // with the real sink): a kept flow keeps its emit and its 200 receipts.
    const settled = all.filter((e) => e.t >= 1000 && 'flow' in e);
    const receipts = new Map<string, number>();
    for (const e of settled)
      if (e.kind === 'client.receive') receipts.set(e.flow!, (receipts.get(e.flow!) ?? 0) + 1);
    const emitted = new Set(settled.filter((e) => e.kind === 'client.emit').map((e) => e.flow));
    for (const [flow, n] of receipts) {
      expect(n).toBe(200);
      expect(emitted.has(flow)).toBe(true);
    }
    // One in ten of the 1000 broadcasts after the first second.
    expect(receipts.size).toBeGreaterThan(50);
    expect(receipts.size).toBeLessThan(200);
  });
});
