import { describe, expect, it } from 'vitest';
import { LabScript } from './sim/lab-script.ts';
import { broadcast } from './sim/lab-traffic.ts';
import { reduce, reduceAll } from './reducer.ts';
import { forkState } from './state.ts';
import { kindWords, socketCounts } from './socket-counts.ts';

describe('a broadcast counted in sockets', () => {
  it("takes the servers' per-kind counts, and the sockets of the target by kind", () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1').connect('c2', 's2');
    // A socket that said nothing of itself, straight to s2.
    lab.outside('raw1', 's2');
    const flow = broadcast(lab, 'c1');
    const state = reduceAll(lab.events);
    const f = state.flows[flow!];
    // The script's delivers carry no kinds: each listed socket is classed by what the state knows.
    expect(socketCounts(state, f).expected).toEqual({ total: 3, kinds: { lab: 2, outside: 1 } });
    for (const d of f.deliveries) d.kinds = { lab: 100, page: 10, phone: 1, outside: 4 };
    const delivered = socketCounts(state, f).delivered;
    expect(delivered.kinds).toEqual({
      lab: 100 * f.deliveries.length,
      page: 10 * f.deliveries.length,
      phone: f.deliveries.length,
      outside: 4 * f.deliveries.length,
    });
    expect(kindWords({ lab: 200, page: 20, phone: 1, outside: 10 })).toBe(
      '200 lab clients, 20 page clients, 1 phone, 10 outside',
    );
  });

  it('counts the sockets as they were at the emit: joins, leaves and room changes after it change nothing', () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1', ['blue']).connect('c2', 's2', ['blue']).connect('c3', 's2');
    lab.outside('raw1', 's1', ['blue']).outside('raw2', 's2');
    const toAll = broadcast(lab, 'c3')!;
    const toBlue = broadcast(lab, 'c1', 'blue')!;
    // Read while the lab is as it was at the emit.
    const before = reduceAll(lab.events);
    const atEmit = {
      all: { total: 5, kinds: { lab: 3, outside: 2 } },
      blue: { total: 3, kinds: { lab: 2, outside: 1 } },
    };
    expect(socketCounts(before, before.flows[toAll]).expected).toEqual(atEmit.all);
    expect(socketCounts(before, before.flows[toBlue]).expected).toEqual(atEmit.blue);

    // Afterwards: a lab client and an outside socket join (c4 into blue), c2 leaves the lab,
    // raw2 joins blue and raw1 leaves it.
    lab.connect('c4', 's1', ['blue']).join('c3', 'blue');
    lab.outside('raw3', 's2');
    lab.emit({ kind: 'room.join', server: 's2', socketId: 'raw2', room: 'blue' });
    lab.emit({ kind: 'room.leave', server: 's1', socketId: 'raw1', room: 'blue', closing: false });
    lab.emit({
      kind: 'client.disconnect',
      server: 's2',
      socketId: lab.clients.c2.socketId,
      client: 'c2',
      reason: 'client namespace disconnect',
    });
    const after = reduceAll(lab.events);
    expect(Object.values(after.sockets).filter((s) => s.connected)).toHaveLength(6);
    expect(socketCounts(after, after.flows[toAll]).expected).toEqual(atEmit.all);
    expect(socketCounts(after, after.flows[toBlue]).expected).toEqual(atEmit.blue);
    // A checkpoint's fork reads the same, and so does a flow seen first in the fork.
    const forked = forkState(after);
    expect(socketCounts(forked, forked.flows[toBlue]).expected).toEqual(atEmit.blue);
    const reduced = lab.events.length;
    const late = broadcast(lab, 'c1', 'blue')!;
    for (const e of lab.events.slice(reduced)) reduce(forked, e);
    // c1, c3 and c4, and raw2: raw1 left, c2 is gone.
    expect(socketCounts(forked, forked.flows[late]).expected).toEqual({
      total: 4,
      kinds: { lab: 3, outside: 1 },
    });
  });
});
