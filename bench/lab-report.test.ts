import { describe, expect, it } from 'vitest';
import { summarize, verdict, type Latencies, type Window } from './lab-report.ts';

function window(round: number, setup: 'plain' | 'on', cpu: number): Window {
  return {
    clients: 30,
    round,
    setup,
    seconds: 1,
    deliveries: 30_000,
    broadcastsPerSecond: 1000,
    cpuMicrosPerDelivery: cpu,
    userMicrosPerDelivery: cpu / 2,
    systemMicrosPerDelivery: cpu / 2,
    programPercentOfCore: 90,
    driverPercentOfCore: 80,
    machinePercentBusy: 90,
    rssMiB: 100,
    load1: 1,
    missing: 0,
  };
}

/** Rounds where `on`'s latencies are `slower` times plain's and its CPU at 50/s `costlier` times. */
function rounds(slower: number, costlier: number) {
  const windows: Window[] = [];
  const latencies: Latencies[] = [];
  for (let round = 0; round < 8; round++) {
    const ms = Array.from({ length: 100 }, (_, i) => 1 + i / 50 + round / 10);
    windows.push(window(round, 'plain', 10), window(round, 'on', 10.2));
    latencies.push(
      { clients: 30, round, setup: 'plain', ms, cpuMicrosPerBroadcast: 1000 },
      {
        clients: 30,
        round,
        setup: 'on',
        ms: ms.map((x) => x * slower),
        cpuMicrosPerBroadcast: 1000 * costlier,
      },
    );
  }
  return summarize(windows, latencies, ['plain', 'on'], [30]);
}

describe('the lab bench report', () => {
  it('judges a goal by the whole interval', () => {
    expect(verdict({ estimate: 1.1, low: 1.0, high: 1.2 }, 1.5)).toBe('met');
    expect(verdict({ estimate: 1.4, low: 1.2, high: 1.6 }, 1.5)).toBe('not settled');
    expect(verdict({ estimate: 2, low: 1.6, high: 2.4 }, 1.5)).toBe('MISSED');
  });

  it('gives the p99 at 50/s a verdict and pairs the CPU per broadcast at 50/s', () => {
    const slow = rounds(3, 2);
    const c = slow.ratios[0].comparisons[0];
    expect(c.latencyP99.estimate).toBeCloseTo(3, 5);
    expect(c.cpuPerBroadcastAt50?.estimate).toBeCloseTo(2, 5);
    expect(slow.lines.join('\n')).toContain(
      'p99 at 50/s 3.000 [3.000, 3.000] (goal <= 1.5: MISSED)',
    );
    const same = rounds(1, 1);
    expect(same.lines.join('\n')).toContain('(goal <= 1.5: met)');
    expect(same.ratios[0].programs[1].cpuMicrosPerBroadcastAt50).toBe(1000);
  });
});
