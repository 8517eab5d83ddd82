import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { summarize } from './counter-summary.ts';
import { NO_FILTER, matches, newestMatching } from './event-filter.ts';

const ev = (over: Partial<LabEvent> & { kind: LabEvent['kind'] }): LabEvent =>
  ({ seq: 1, t: 0, server: 's1', step: 8, ...over }) as LabEvent;

describe('event filters', () => {
  const publish = ev({ kind: 'publish', channel: 'socket.io#/#blue#', flow: 's1-1' } as never);
  const up = ev({ kind: 'server.up', server: 's2' } as never);
  it.each([
    [{}, publish, true],
    [{ server: 's1' }, publish, true],
    [{ server: 's2' }, publish, false],
    [{ kind: 'publish' }, publish, true],
    [{ kind: 'receive' }, publish, false],
    [{ channel: 'blue' }, publish, true],
    [{ channel: 'blue' }, up, false],
    [{ flow: 's1-1' }, publish, true],
    [{ flow: 's1-2' }, publish, false],
  ])('%j on %j: %s', (f, e, want) => expect(matches(e, { ...NO_FILTER, ...f })).toBe(want));

  it('lists the newest matches first, skipping counters', () => {
    const list = [up, publish, ev({ kind: 'counters' } as never), publish];
    const rows = newestMatching((i) => list[i], 0, list.length, NO_FILTER, 2);
    expect(rows.map((r) => r.index)).toEqual([3, 1]);
  });
});

describe('summarize', () => {
  it('drops are every receipt not delivered; numbers come from counters as they are', () => {
    expect(
      summarize({
        publishes: 5,
        receipts: { delivered: 8, 'own-message': 5, 'unknown-room': 2 },
        deliveries: 30,
        skipped: 1,
      }),
    ).toEqual({
      publishes: 5,
      receipts: 15,
      delivered: 8,
      deliveries: 30,
      drops: 7,
      dropsBy: { 'own-message': 5, 'unknown-room': 2 },
      skipped: 1,
    });
  });
});
