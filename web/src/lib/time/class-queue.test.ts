import { describe, expect, it } from 'vitest';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { threeServers } from '../stage/stage-fixture.ts';
import { ClassQueue, GRACE_MS } from './class-queue.ts';
import type { LabEvent } from '../../../../trace/events.ts';

function twoMessages() {
  const s = threeServers();
  const before = s.events.length;
  const a = broadcast(s, 'c1')!;
  const b = broadcast(s, 'c3')!;
  return { events: s.events.slice(before), a, b };
}

const describeBeat = (events: LabEvent[]) =>
  `${events[0].kind}×${events.length} step ${events[0].step}`;

describe('ClassQueue', () => {
  it("plays one message's hops in causal order, beat by beat, while the next waits", () => {
    const { events, a, b } = twoMessages();
    const q = new ClassQueue();
    // Arrival order is not causal order (each server reports in its own batches): each
    // message's hops come in backwards here, the first message's first.
    for (const flow of [a, b])
      for (const e of events.filter((x) => x.flow === flow).reverse()) q.add(e, 0);
    expect(q.current).toBe(a);
    expect(q.waiting).toBe(1);
    const beats: string[] = [];
    for (;;) {
      const beat = q.next(0);
      if (beat === 'wait' || beat === null || beat.flow !== a) break;
      beats.push(describeBeat(beat.events));
    }
    expect(beats).toEqual([
      'client.emit×1 step 8',
      'publish×1 step 8',
      'deliver×1 step 8',
      'publish.result×1 step 9',
      'receive×3 step 9',
      'deliver×2 step 9',
      'client.receive×3 step 10',
    ]);
    // The first message may still get late hops: the next waits a moment, then plays.
    expect(q.next(GRACE_MS - 1)).toBe('wait');
    const next = q.next(GRACE_MS + 1);
    expect(next).toMatchObject({ flow: b });
    expect(q.waiting).toBe(0);
  });

  it('late hops of a message already played are not played again; hops without a message pass', () => {
    const { events, a } = twoMessages();
    const q = new ClassQueue();
    const first = events.filter((e) => e.flow === a);
    for (const e of first) q.add(e, 0);
    while (q.next(GRACE_MS * 2) !== null);
    expect(q.add(first[first.length - 1], 0)).toBe(true);
    expect(q.next(GRACE_MS * 4)).toBeNull();
    expect(q.add({ ...first[0], flow: undefined }, 0)).toBe(false);
  });

  it('skip to now lets everything waiting go', () => {
    const { events } = twoMessages();
    const q = new ClassQueue();
    for (const e of events) q.add(e, 0);
    q.clear();
    expect([q.waiting, q.current, q.next(0)]).toEqual([0, null, null]);
  });
});
