import { describe, expect, it } from 'vitest';
import { LabScript } from '../trace/sim/lab-script.ts';
import { broadcast } from '../trace/sim/lab-traffic.ts';
import { reduceAll } from '../trace/reducer.ts';
import { StandingState, standingOf } from './standing-state.ts';
import { BatchRing } from './batch-ring.ts';
import { TRACE_VERSION, type LabEvent } from '../trace/events.ts';

/** The lab's events into the ring in batches of 1 to 7 events, as sinks send them; [kept, not]. */
function pushAll(ring: BatchRing, standing: StandingState, events: LabEvent[]): [number, number] {
  const kept = [0, 0];
  for (let i = 0, n = 1; i < events.length; i += n, n = (n % 7) + 1) {
    const batch = events.slice(i, i + n);
    const json = JSON.stringify({ v: TRACE_VERSION, lab: 'l1', from: 's1', events: batch });
    if (ring.push(json, batch.length)) standing.advance();
    else standing.foldIn(batch);
    kept[ring.length > 0 ? 0 : 1]++;
  }
  return kept as [number, number];
}

/** Two servers, three clients (one in blue), then `messages` broadcasts. */
function busyLab(messages: number): LabScript {
  const lab = new LabScript().serverUp('s1').serverUp('s2');
  lab.connect('c1', 's1', ['blue']).connect('c2', 's2').connect('c3', 's2');
  for (let i = 0; i < messages; i++) broadcast(lab, ['c1', 'c2', 'c3'][i % 3]);
  return lab;
}

describe('StandingState', () => {
  it('the snapshot and the window it sends make the whole lab, however far the window rolled', () => {
    const lab = busyLab(60);
    const ring = new BatchRing({ capacity: 100 });
    const standing = new StandingState(ring, 40);
    pushAll(ring, standing, lab.events);
    const { snapshot, events } = standing.hello();
    expect(events).toEqual(lab.events.slice(-40));
    // The window no longer holds the lab's beginning...
    expect(events.some((e) => e.kind === 'client.connect' || e.kind === 'server.up')).toBe(false);
    expect(snapshot.flowOrder).toEqual([]);
    expect(snapshot.events).toBe(lab.events.length - 40);
    // ...but snapshot + window is the lab, without the messages older than the window.
    const page = reduceAll(events, snapshot);
    const truth = reduceAll(lab.events);
    expect(page.servers).toEqual(truth.servers);
    expect(page.clients).toEqual(truth.clients);
    expect(page.sockets).toEqual(truth.sockets);
    expect(page.redis).toEqual(truth.redis);
    expect(page.counters).toEqual(truth.counters);
  });

  it('now() is the state after every event; folding the history keeps the lab', () => {
    const lab = busyLab(10);
    const ring = new BatchRing({ capacity: 2000 });
    const standing = new StandingState(ring, 1000);
    pushAll(ring, standing, lab.events);
    const truth = standingOf(reduceAll(lab.events));
    expect(standing.now()).toEqual(truth);
    standing.foldHistory();
    expect(standing.hello().events).toEqual([]);
    expect(standing.hello().snapshot).toEqual(truth);
  });

  it('a ring smaller than the window, or one that cannot keep a batch, still loses no event', () => {
    const lab = busyLab(60);
    const truth = reduceAll(lab.events);
    const sameLab = (state: ReturnType<typeof reduceAll>) => {
      for (const part of ['servers', 'clients', 'sockets', 'redis', 'counters'] as const)
        expect(state[part], part).toEqual(truth[part]);
    };
    // Bytes force the oldest batches out long before the window is full: they are reduced first.
    const tight = new BatchRing({ capacity: 1000, maxBytes: 3000 });
    const standing = new StandingState(tight, 500);
    pushAll(tight, standing, lab.events);
    expect(tight.length).toBeLessThan(lab.events.length);
    sameLab(standing.now());
    const { snapshot, events } = standing.hello();
    expect(events.length).toBeGreaterThan(0);
    expect(events).toEqual(lab.events.slice(-events.length));
    sameLab(reduceAll(events, snapshot));
    // Batches too large for the ring are folded in after what the ring held, in order.
    const tiny = new BatchRing({ capacity: 1000, maxBytes: 400 });
    const alone = new StandingState(tiny, 500);
    const [kept, notKept] = pushAll(tiny, alone, lab.events);
    expect(kept).toBeGreaterThan(0);
    expect(notKept).toBeGreaterThan(0);
    sameLab(alone.now());
  });
});
