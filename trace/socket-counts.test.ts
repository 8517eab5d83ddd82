import { describe, expect, it } from 'vitest';
import { LabScript } from './sim/lab-script.ts';
import { broadcast } from './sim/lab-traffic.ts';
import { reduceAll } from './reducer.ts';
import { kindWords, socketCounts } from './socket-counts.ts';

describe('a broadcast counted in sockets', () => {
  it("takes the servers' per-kind counts, and the sockets of the target by kind", () => {
    const lab = new LabScript().serverUp('s1').serverUp('s2');
    lab.connect('c1', 's1').connect('c2', 's2');
    // A socket that said nothing of itself, straight to s2.
    lab.emit({
      kind: 'client.connect',
      server: 's2',
      socketId: 'raw1',
      clientKind: 'outside',
      transport: 'websocket',
    });
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
});
