import { describe, expect, it } from 'vitest';
import type { ClusterNodeStats } from '../../../../trace/events.ts';
import { nodeOutage } from './node-outage.ts';

const node = (over: Partial<ClusterNodeStats>): ClusterNodeStats => ({
  name: 'n3',
  role: 'master',
  slots: '10923-16383',
  state: 'down',
  bus: { publishSent: 0, publishReceived: 0, shardSent: 0, shardReceived: 0 },
  channels: [],
  shardChannels: [],
  clients: [],
  ...over,
});
const client = (id: string, server: string, rooms: string[] = [], nsp?: string) => ({
  id,
  server,
  rooms,
  state: 'connected' as const,
  ...(nsp ? { nsp } : {}),
});
const clients = [
  client('c1', 's1'),
  client('c2', 's2', ['blue']),
  client('c3', 's3', [], '/game'),
  { ...client('c4', 's1'), state: 'disconnected' as const },
];

describe('what a stopped cluster node takes away', () => {
  it('sharded: the namespace channel on it cuts every connected client of that namespace', () => {
    const out = nodeOutage(
      'sharded',
      'socket.io',
      node({ shardChannels: [{ channel: 'socket.io#/#', slot: 13868 }] }),
      clients,
    );
    expect(out).toEqual({
      slots: '10923-16383',
      channels: ['socket.io#/#'],
      servers: ['s1', 's2'],
      clients: ['c1', 'c2'],
    });
  });

  it("sharded: a room's channel cuts only the room's members", () => {
    const out = nodeOutage(
      'sharded',
      'socket.io',
      node({ shardChannels: [{ channel: 'socket.io#/#blue#', slot: 1 }] }),
      clients,
    );
    expect(out.clients).toEqual(['c2']);
  });

  it('sharded: a master whose replica took its slots takes nothing away any more', () => {
    const out = nodeOutage(
      'sharded',
      'socket.io',
      node({ slots: '', shardChannels: [{ channel: 'socket.io#/#', slot: 13868 }] }),
      clients,
    );
    expect(out).toEqual({ slots: '', channels: [], servers: [], clients: [] });
  });

  it('classic: the servers whose subscriber connection sat on it lose their clients’ broadcasts', () => {
    const out = nodeOutage(
      'redis',
      'socket.io',
      node({
        channels: ['socket.io-request#/#'],
        clients: ['ioredis-cluster(subscriber):s3:sub@k3f9', 'lab:cluster-watch', 's1:pub'],
      }),
      clients,
    );
    expect(out).toMatchObject({
      servers: ['s3'],
      clients: ['c3'],
      channels: ['socket.io-request#/#'],
    });
    // Once ioredis subscribed s3 again on a node that is up, s3's clients miss nothing.
    const down = node({ clients: ['ioredis-cluster(subscriber):s3:sub@k3f9'] });
    const n1 = node({
      name: 'n1',
      state: 'up',
      clients: ['ioredis-cluster(subscriber):s3:sub@k3f9'],
    });
    expect(nodeOutage('redis', 'socket.io', down, clients, [down, n1])).toMatchObject({
      clients: [],
      channels: [],
    });
    // Seen on another node that is down too: still cut off.
    expect(
      nodeOutage('redis', 'socket.io', down, clients, [down, { ...n1, state: 'down' }]).clients,
    ).toEqual(['c3']);
  });
});
