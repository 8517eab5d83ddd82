import { describe, expect, it } from 'vitest';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { latestOnEdge } from './edge-pick.ts';

describe('latestOnEdge', () => {
  const s = new LabScript().serverUp('s1').serverUp('s2').connect('c1', 's1').connect('c2', 's2');
  broadcast(s, 'c1');
  const state = reduceAll(s.events);
  const at = (i: number) => s.events[i];
  const last = s.events.length - 1;

  it.each([
    ['pub:s1', 'publish.result', 's1'],
    ['sub:s2', 'receive', 's2'],
    ['sub:s1', 'receive', 's1'],
    ['ws:c2', 'client.receive', 's2'],
  ])('%s -> the newest %s on %s', (edge, kind, server) => {
    const i = latestOnEdge(at, last, edge, state)!;
    expect(s.events[i]).toMatchObject({ kind, server });
  });

  it('looks only at or before the position shown', () => {
    const emit = s.events.findIndex((e) => e.kind === 'client.emit');
    expect(s.events[latestOnEdge(at, emit, 'ws:c1', state)!].kind).toBe('client.emit');
    expect(latestOnEdge(at, emit, 'pub:s1', state)).toBeUndefined();
  });
});
