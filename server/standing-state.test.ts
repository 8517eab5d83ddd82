import { describe, expect, it } from 'vitest';
import { LabScript } from '../trace/sim/lab-script.ts';
import { broadcast } from '../trace/sim/lab-traffic.ts';
import { reduceAll } from '../trace/reducer.ts';
import { StandingState, standingOf } from './standing-state.ts';

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
    const standing = new StandingState(40);
    for (const e of lab.events) standing.push(e);
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
    const standing = new StandingState(1000);
    for (const e of lab.events) standing.push(e);
    const truth = standingOf(reduceAll(lab.events));
    expect(standing.now()).toEqual(truth);
    standing.foldHistory();
    expect(standing.hello().events).toEqual([]);
    expect(standing.hello().snapshot).toEqual(truth);
  });
});
