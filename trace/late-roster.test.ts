import { describe, expect, it } from 'vitest';
import type { LabEvent } from './events.ts';
import { LabScript } from './sim/lab-script.ts';
import { broadcast } from './sim/lab-traffic.ts';
import { reconcile } from './reconcile.ts';
import { reduce, reduceAll } from './reducer.ts';
import { socketCounts } from './socket-counts.ts';
import { forkState } from './state.ts';

/**
 * The events as they arrive when the batches of the `late` sources come after the others': in
 * order up to `from`, then every other source's events, then each late source's in turn (each
 * source still in its own order).
 */
function arrival(lab: LabScript, from: number, late = ['s2']): LabEvent[] {
  const after = lab.events.map((e, i) => ({ e, source: lab.sources[i] })).slice(from);
  return [
    ...lab.events.slice(0, from),
    ...after.filter((x) => !late.includes(x.source)).map((x) => x.e),
    ...late.flatMap((source) => after.filter((x) => x.source === source).map((x) => x.e)),
  ];
}

/** A lab client's socket closes (it stays away). */
function drop(lab: LabScript, id: string): void {
  const client = lab.clients[id];
  lab.emit({
    kind: 'client.disconnect',
    server: client.server,
    socketId: client.socketId,
    client: id,
    reason: 'transport close',
  });
  client.connected = false;
}

describe('a roster change that arrives after the flow it happened before', () => {
  it('counts a late connect and join as expected, and one after the emit stays out', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1', ['blue']);
    const from = lab.events.length;
    lab.connect('c2', 's2', ['blue']);
    lab.outside('raw2', 's2', ['blue']);
    const flow = broadcast(lab, 'c1', 'blue')!;
    // After the emit: not expected, wherever its events arrive.
    lab.connect('c3', 's2', ['blue']);
    lab.outside('raw3', 's2', ['blue']);

    const late = arrival(lab, from);
    // The flow's first events come before s2's connects and joins.
    const firstOfFlow = late.findIndex((e) => e.flow === flow);
    const c2Connect = late.findIndex((e) => e.kind === 'client.connect' && e.client === 'c2');
    expect(firstOfFlow).toBeLessThan(c2Connect);

    // A checkpoint taken before s2's batch shares the roster's records: it must keep them.
    const split = late.findIndex((e, i) => i >= from && e.server === 's2');
    const state = reduceAll(late.slice(0, split));
    const fork = forkState(state);
    for (const e of late.slice(split)) reduce(state, e);
    expect(Object.keys(fork.rosters[fork.flows[flow].atEmit.roster].audience)).toEqual(['c1']);
    const r = reconcile(state, flow)!;
    expect(r.expected).toEqual(['c1', 'c2']);
    expect(r.delivered.map((d) => d.client)).toEqual(['c1', 'c2']);
    expect(r.unexpected).toEqual([]);
    expect(socketCounts(state, state.flows[flow]).expected).toEqual({
      total: 3,
      kinds: { lab: 2, outside: 1 },
    });
    // As if every event had arrived in order.
    const inOrder = reduceAll(lab.events);
    expect(r).toEqual(reconcile(inOrder, flow));
    expect(socketCounts(state, state.flows[flow])).toEqual(
      socketCounts(inOrder, inOrder.flows[flow]),
    );
  });

  it('judges a client whose disconnect arrived late as disconnected at emit time', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1').connect('c2', 's2');
    const from = lab.events.length;
    drop(lab, 'c2');
    const flow = broadcast(lab, 'c1')!;

    const state = reduceAll(arrival(lab, from));
    const lost = reconcile(state, flow)!.lost;
    expect(lost).toEqual([
      expect.objectContaining({
        client: 'c2',
        reason: 'server-down',
        detail: expect.stringMatching(/disconnected from s2 at emit time/),
      }),
    ]);
    expect(socketCounts(state, state.flows[flow]).expected).toEqual({
      total: 1,
      kinds: { lab: 1 },
    });
    const inOrder = reduceAll(lab.events);
    expect(reconcile(state, flow)).toEqual(reconcile(inOrder, flow));
  });

  it('corrects only the flows that started after it, and leaves a forked state as it was', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1');
    const from = lab.events.length;
    const before = broadcast(lab, 'c1')!;
    lab.connect('c2', 's2');
    const after = broadcast(lab, 'c1')!;

    const events = arrival(lab, from);
    const firstLate = events.findIndex((e, i) => i >= from && e.server === 's2');
    const state = reduceAll(events.slice(0, firstLate));
    // Both flows took the one roster: nothing changed between them as they arrived.
    expect(state.flows[after].atEmit.roster).toBe(state.flows[before].atEmit.roster);
    const fork = forkState(state);
    for (const e of events.slice(firstLate)) reduce(state, e);

    expect(reconcile(state, before)!.expected).toEqual(['c1']);
    expect(reconcile(state, after)!.expected).toEqual(['c1', 'c2']);
    expect(reconcile(state, after)!.unexpected).toEqual([]);
    // The checkpoint still holds the roster as it was taken.
    expect(Object.keys(fork.rosters[fork.flows[after].atEmit.roster].audience)).toEqual(['c1']);
    // No roster kept that no flow uses, except the current one.
    for (const [id, roster] of Object.entries(state.rosters))
      expect(roster.refs > 0 || id === state.currentRoster).toBe(true);
  });

  it('takes only the disconnect of a client whose reconnect after the flow arrived first', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2').serverUp('s3');
    lab.connect('c1', 's1').connect('c2', 's3');
    const from = lab.events.length;
    drop(lab, 'c1');
    const flow = broadcast(lab, 'c2')!;
    lab.connect('c1', 's2');
    // s1's disconnect comes last, after the flow and after c1's reconnect to s2.
    const state = reduceAll(arrival(lab, from, ['s2', 's1']));
    // What c1 is now (on s2, since after the flow) says nothing of the flow: only that its
    // socket on s1 had gone.
    const member = state.rosters[state.flows[flow].atEmit.roster].audience.c1;
    expect(member).toMatchObject({ server: 's1', connected: false });
    expect(reconcile(state, flow)).toEqual(reconcile(reduceAll(lab.events), flow));
  });
});
