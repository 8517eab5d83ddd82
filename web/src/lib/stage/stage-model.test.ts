import { describe, expect, it } from 'vitest';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { byServerId, stageModel } from './stage-model.ts';

function script() {
  return new LabScript()
    .serverUp('s1')
    .serverUp('s2')
    .connect('c1', 's1', ['blue'])
    .connect('c2', 's2')
    .connect('c3', 's1', ['blue', 'red']);
}

const info = (over: Partial<LabInfo> = {}): LabInfo => ({
  labId: 'k3f9',
  key: 'socket.io',
  otherLabs: [],
  redis: {
    url: 'redis://x',
    kind: 'spawned',
    version: '7',
    state: 'up',
    reason: '',
    controllable: true,
    user: 'default',
    lockedDown: false,
  },
  adapter: 'redis',
  subscriptionMode: null,
  resp: 3,
  monitor: { enabled: true, channel: 'lab:monitor' },
  servers: [
    { id: 's1', port: 4001, state: 'up', clients: 2 },
    { id: 's2', port: 4002, state: 'up', clients: 1 },
    { id: 's10', port: 4010, state: 'down', clients: 0 },
  ],
  clients: [{ id: 'c1', kind: 'lab', server: 's1', state: 'connected', rooms: ['blue'] }],
  lesson: null,
  auth: false,
  ...over,
});

describe('stageModel', () => {
  it('shows each server with port, state, sockets and rooms with member counts', () => {
    const m = stageModel(reduceAll(script().events), null, false);
    expect(m.servers.map((s) => [s.id, s.port, s.state, s.sockets, s.pub, s.sub])).toEqual([
      ['s1', 4001, 'up', 2, 'up', 'up'],
      ['s2', 4002, 'up', 1, 'up', 'up'],
    ]);
    expect(m.servers[0].rooms).toEqual([
      { name: 'blue', count: 2 },
      { name: 'red', count: 1 },
    ]);
  });

  it("describes Redis for the servers' adapter mode, from the trace's subscription table", () => {
    const m = stageModel(reduceAll(script().events), null, false);
    expect(m.adapter).toBe('redis');
    const pattern = m.scene.nodes.find((n) => n.kind === 'pattern');
    expect(pattern).toMatchObject({ name: 'socket.io#/#*', subscribers: ['s1', 's2'] });
    // Rooms with members become the room channels a PUBLISH to one room lands on.
    expect(m.scene.nodes.filter((n) => n.role === 'room').map((n) => n.name)).toEqual([
      'socket.io#/#blue#',
      'socket.io#/#red#',
    ]);
    // Live, the lab says which mode it runs, even before a server reported it.
    expect(stageModel(reduceAll([]), info({ adapter: 'none' }), true).scene.nodes).toEqual([]);
  });

  it('live, adds servers the trace has not mentioned yet, in numeric order', () => {
    const m = stageModel(reduceAll(script().events), info(), true);
    expect(m.servers.map((s) => s.id)).toEqual(['s1', 's2', 's10']);
    expect(m.servers[2].state).toBe('down');
    expect(m.clients.find((c) => c.id === 'c1')?.kind).toBe('lab');
    expect(m.redis.state).toBe('up');
  });

  it('live, a server removed from the lab leaves the stage', () => {
    const s = script().serverUp('s3').serverDown('s3');
    const lab = info();
    expect(stageModel(reduceAll(s.events), lab, true).servers.map((x) => x.id)).not.toContain('s3');
    expect(stageModel(reduceAll(s.events), lab, false).servers.map((x) => x.id)).toContain('s3');
  });

  it('live, a standalone server the lab lists as remote stays on the stage, marked remote', () => {
    // Its events reach the hub through Redis; the lab lists it from its roster.
    const s = script().serverUp('s4');
    const servers: LabInfo['servers'] = [
      ...info().servers,
      { id: 's4', port: 4004, state: 'up', clients: 0, kind: 'remote' },
    ];
    const m = stageModel(reduceAll(s.events), info({ servers }), true);
    expect(m.servers.map((x) => [x.id, x.remote ?? false])).toEqual([
      ['s1', false],
      ['s2', false],
      ['s4', true],
      ['s10', false],
    ]);
    const unseen = stageModel(reduceAll(script().events), info({ servers }), true);
    expect(unseen.servers.find((x) => x.id === 's4')).toMatchObject({ port: 4004, remote: true });
  });

  it('replaying, shows only what the trace knew then', () => {
    const m = stageModel(reduceAll(script().events), info(), false);
    expect(m.servers.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it('a stopped server is down and its clients disconnected', () => {
    const m = stageModel(reduceAll(script().serverDown('s2').events), null, false);
    expect(m.servers.find((s) => s.id === 's2')?.state).toBe('down');
    expect(m.clients.find((c) => c.id === 'c2')?.connected).toBe(false);
  });

  it('keeps a client waiting for its stopped server, forgets one that left (a closed page)', () => {
    const s = script().serverDown('s2');
    const c3 = s.clients.c3;
    s.emit({
      kind: 'client.disconnect',
      server: 's1',
      socketId: c3.socketId,
      client: 'c3',
      reason: 'transport close',
    });
    for (const live of [true, false]) {
      const ids = stageModel(reduceAll(s.events), info(), live).clients.map((c) => c.id);
      expect(ids).toContain('c2');
      expect(ids).not.toContain('c3');
    }
    // Live, a client the lab still lists stays even while away.
    const listed = info({
      clients: [{ id: 'c3', kind: 'lab', server: 's1', state: 'disconnected', rooms: [] }],
    });
    expect(stageModel(reduceAll(s.events), listed, true).clients.map((c) => c.id)).toContain('c3');
  });

  it.each([
    ['s2', 's10', -1],
    ['s10', 's9', 1],
    ['hub', 's1', 'h'.localeCompare('s')],
  ])('byServerId(%s, %s)', (a, b, sign) =>
    expect(Math.sign(byServerId(a, b))).toBe(Math.sign(sign)),
  );
});
