import { describe, expect, it } from 'vitest';
import { keySlot } from '../../trace/cluster-slots.ts';
import { consoleRoute, type RouteNode } from './console-route.ts';

const nodes: RouteNode[] = [
  { name: 'n1', role: 'master', slots: '0-5460', state: 'up' },
  { name: 'n2', role: 'master', slots: '5461-10922', state: 'up' },
  { name: 'n3', role: 'master', slots: '10923-16383', state: 'up' },
];
const none = () => [];

describe('where the console sends a command on a cluster', () => {
  it('a shard command to the owner of the slot, anything else to the first master up', () => {
    expect(keySlot('socket.io#/#')).toBe(13868);
    expect(consoleRoute('SPUBLISH', ['socket.io#/#', 'x'], nodes, none)).toEqual(['n3']);
    expect(consoleRoute('PUBSUB', ['SHARDNUMSUB', 'socket.io#/#'], nodes, none)).toEqual(['n3']);
    expect(consoleRoute('PUBLISH', ['socket.io#/#', 'x'], nodes, none)).toEqual(['n1']);
    const n1Down = nodes.map((n) => (n.name === 'n1' ? { ...n, state: 'down' as const } : n));
    expect(consoleRoute('SUBSCRIBE', ['news'], n1Down, none)).toEqual(['n2']);
  });

  it('an unsubscribe of everything to each node that holds some, and a down owner refused', () => {
    expect(consoleRoute('SUNSUBSCRIBE', [], nodes, () => ['n2', 'n3'])).toEqual(['n2', 'n3']);
    expect(consoleRoute('SUNSUBSCRIBE', [], nodes, none)).toEqual(['n1']);
    const n3Down = nodes.map((n) => (n.name === 'n3' ? { ...n, state: 'down' as const } : n));
    expect(() => consoleRoute('SSUBSCRIBE', ['socket.io#/#'], n3Down, none)).toThrow(
      /slot 13868, which n3 owns, and n3 is down/,
    );
  });
});
