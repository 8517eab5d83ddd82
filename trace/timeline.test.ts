import { describe, expect, it } from 'vitest';
import type { LabEvent } from './events.ts';
import { LabScript } from './sim/lab-script.ts';
import { seededRandom } from './sim/seeded-random.ts';
import { broadcast } from './sim/lab-traffic.ts';
import { randomLab, toEnvelopes } from './sim/random-lab.ts';
import { reduceAll } from './reducer.ts';
import { Timeline } from './timeline.ts';

/** Events as a real page gets them: per-source batches, sources interleaved. */
function arrivals(seed: number, actions = 120): LabEvent[][] {
  const { script } = randomLab(seed, actions);
  return toEnvelopes(script, seed).map((e) => e.events);
}

describe('Timeline', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'seek, stepBack and stepForward match a replay from the start (seed %i)',
    (seed) => {
      const rnd = seededRandom(seed * 7919);
      const batches = arrivals(seed);
      // Small intervals and cap, so replays cross checkpoints and trimming happens.
      const timeline = new Timeline({ checkpointEvery: 7, maxEvents: 150 });
      const all: LabEvent[] = [];
      let checks = 0;
      for (const batch of batches) {
        timeline.append(batch);
        all.push(...batch);
        const r = rnd();
        if (r < 0.3) timeline.seek(Math.floor(rnd() * (timeline.length + 2)) - 1);
        else if (r < 0.5) timeline.stepBack();
        else if (r < 0.65) timeline.stepForward();
        else if (r < 0.7) timeline.live = true;
        const upTo = timeline.dropped + timeline.cursor + 1;
        expect(timeline.current).toEqual(reduceAll(all.slice(0, upTo)));
        if (timeline.live) expect(timeline.cursor).toBe(timeline.length - 1);
        checks++;
      }
      expect(checks).toBe(batches.length);
      expect(timeline.length).toBeLessThanOrEqual(150);
      expect(timeline.dropped + timeline.length).toBe(all.length);
    },
  );

  it('stateAt(i) equals a replay of the first i+1 events, for every i', () => {
    const events = arrivals(3, 40).flat();
    const timeline = new Timeline({ checkpointEvery: 5 });
    timeline.append(events);
    for (let i = -1; i < events.length; i++) {
      expect(timeline.stateAt(i)).toEqual(reduceAll(events.slice(0, i + 1)));
    }
  });

  it('states it hands out are independent of the timeline', () => {
    const events = arrivals(4, 30).flat();
    const timeline = new Timeline({ checkpointEvery: 4 });
    timeline.append(events);
    const a = timeline.stateAt(10);
    a.servers = {};
    expect(timeline.stateAt(10)).toEqual(reduceAll(events.slice(0, 11)));
    timeline.seek(20);
    const before = structuredClone(timeline.current);
    timeline.append(arrivals(5, 10).flat());
    expect(timeline.current).toEqual(before);
    expect(timeline.cursor).toBe(20);
  });

  it('live follows appends; seeking stops it; stepping past the end stays at the end', () => {
    const events = arrivals(6, 30).flat();
    const timeline = new Timeline();
    timeline.append(events.slice(0, 10));
    expect([timeline.live, timeline.cursor]).toEqual([true, 9]);
    timeline.stepBack();
    expect([timeline.live, timeline.cursor]).toEqual([false, 8]);
    timeline.append(events.slice(10));
    expect(timeline.cursor).toBe(8);
    timeline.seek(events.length + 10);
    timeline.stepForward();
    expect(timeline.cursor).toBe(events.length - 1);
    timeline.seek(-5);
    timeline.stepBack();
    expect(timeline.cursor).toBe(-1);
    expect(timeline.current).toEqual(reduceAll([]));
  });

  it('keeps at most maxEvents and rebases on a checkpoint', () => {
    const events = arrivals(7, 200).flat();
    const timeline = new Timeline({ checkpointEvery: 10, maxEvents: 100 });
    timeline.append(events);
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.length).toBeLessThanOrEqual(100);
    expect(timeline.dropped + timeline.length).toBe(events.length);
    expect(timeline.checkpointCount).toBeLessThanOrEqual(100 / 10 + 1);
    expect(timeline.stateAt(-1)).toEqual(reduceAll(events.slice(0, timeline.dropped)));
    expect(timeline.eventAt(0)).toBe(events[timeline.dropped]);
  });

  it('spaces checkpoints by the weight of the state, so a heavy lab does not clone per few events', () => {
    const light = new Timeline({ checkpointEvery: 10 });
    light.append(new LabScript().serverUp('s1').serverUp('s2').connect('c1', 's1').events);
    const few = light.length;
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    for (let i = 0; i < 100; i++) lab.connect(`c${i}`, i % 2 ? 's1' : 's2');
    for (let i = 0; i < 40; i++) broadcast(lab, `c${i}`);
    const heavy = new Timeline({ checkpointEvery: 10 });
    heavy.append(lab.events);
    expect(light.checkpointCount).toBe(1 + Math.floor(few / 10));
    expect(heavy.checkpointCount).toBeLessThan(lab.events.length / 10 / 4);
    expect(heavy.stateAt(lab.events.length - 7)).toEqual(reduceAll(lab.events.slice(0, -6)));
  });

  it('folds at the cap a checkpoint at a time: bounded work per append, not a pass over the kept events', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    for (let i = 0; i < 20; i++) lab.connect(`c${i}`, i % 2 ? 's1' : 's2');
    for (let i = 0; i < 400; i++) broadcast(lab, `c${i % 20}`);
    const events = lab.events;
    const every = 10;
    const cap = 300;
    const timeline = new Timeline({ checkpointEvery: every, maxEvents: cap });
    // One event per append, as a trickling live feed gives them: the worst case for folding.
    for (const e of events) timeline.append([e]);
    const past = events.length - cap;
    expect(past).toBeGreaterThan(20 * cap);
    const { forks, folds, moved } = timeline.work;
    // A fold lets at least a checkpoint interval go, so folds are rarer than appends by that much.
    expect(folds).toBeGreaterThan(0);
    expect(folds).toBeLessThanOrEqual(Math.ceil(past / every) + 1);
    // At most one checkpoint per interval, whether appending or folding.
    expect(forks).toBeLessThanOrEqual(Math.ceil(events.length / every) + 1);
    // A fold shifts at most the kept events: amortized, at most cap / every per appended event.
    expect(moved).toBeLessThanOrEqual(folds * cap);
    expect(moved / events.length).toBeLessThanOrEqual(cap / every);
    expect(timeline.length).toBeLessThanOrEqual(cap);
    expect(timeline.current).toEqual(reduceAll(events));
    expect(timeline.stateAt(-1)).toEqual(reduceAll(events.slice(0, timeline.dropped)));
  });

  it('fromSnapshot continues from the given state', () => {
    const events = arrivals(8, 60).flat();
    const half = Math.floor(events.length / 2);
    const snapshot = reduceAll(events.slice(0, half));
    const timeline = Timeline.fromSnapshot(snapshot, events.slice(half), { checkpointEvery: 9 });
    expect(timeline.current).toEqual(reduceAll(events));
    expect(timeline.stateAt(-1)).toEqual(snapshot);
    expect(timeline.seek(3)).toEqual(reduceAll(events.slice(0, half + 4)));
  });
});
