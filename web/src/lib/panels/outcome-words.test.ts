import { describe, expect, it } from 'vitest';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { reconcileFlow } from '../../../../trace/reconcile.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import type { LabEvent } from '../../../../trace/events.ts';
import { excludedLines } from './outcome-words.ts';

describe('excludedLines', () => {
  it('with no adapter, says the other servers never heard of it instead of "not targeted"', () => {
    const s = new LabScript();
    for (const id of ['s1', 's2', 's3'])
      s.emit({ kind: 'server.up', server: id, port: 4000, adapter: 'none' });
    for (const [c, server] of [
      ['c1', 's1'],
      ['c2', 's2'],
      ['c3', 's3'],
    ])
      s.emit({
        kind: 'client.connect',
        server,
        socketId: `${c}`.padEnd(20, '_'),
        client: c,
        transport: 'websocket',
      });
    const flow = 's1-1';
    const ev = (e: Record<string, unknown>) =>
      s.emit({ server: 's1', flow, ...e } as unknown as Omit<LabEvent, 'seq' | 't'> as never);
    ev({
      kind: 'client.emit',
      socketId: 'c1'.padEnd(20, '_'),
      client: 'c1',
      event: 'chat message',
      args: ['hi'],
      bytes: 20,
    });
    ev({
      kind: 'deliver',
      origin: 'local',
      event: 'chat message',
      rooms: [],
      except: [],
      sockets: ['c1'.padEnd(20, '_')],
      count: 1,
    });
    const state = reduceAll(s.events);
    const lines = excludedLines(state, reconcileFlow(state, state.flows[flow]));
    expect(lines).toEqual([
      'No adapter: s1 has no way to reach the clients of s2 and s3 (c2 and c3); the servers share nothing.',
    ]);
  });

  it('a room broadcast names who was not in the room', () => {
    const s = new LabScript()
      .serverUp('s1')
      .serverUp('s2')
      .connect('c1', 's1', ['blue'])
      .connect('c2', 's2');
    const flow = broadcast(s, 'c1', 'blue')!;
    const state = reduceAll(s.events);
    expect(excludedLines(state, reconcileFlow(state, state.flows[flow]))).toEqual([
      'Not in blue, so not a recipient: c2.',
    ]);
  });
});
