import { describe, expect, it } from 'vitest';
import type { LabEvent } from './events.ts';
import { LabScript, type Draft } from './sim/lab-script.ts';
import { broadcast } from './sim/lab-traffic.ts';
import { reduce, reduceAll } from './reducer.ts';
import { reconcile } from './reconcile.ts';
import {
  cloneState,
  FLOW_CAP,
  FLOW_EVENT_SPAN,
  forkState,
  GONE_SOCKET_CAP,
  type LabState,
} from './state.ts';

/** A lab with s1 and s2 up, c1 on s1 in room blue, c2 on s2. */
function baseLab(): LabScript {
  const lab = new LabScript().serverUp('s1').serverUp('s2');
  return lab.connect('c1', 's1', ['blue']).connect('c2', 's2');
}

let seq = 1000;
function ev(draft: Draft): LabEvent {
  return { step: 8, ...draft, seq: ++seq, t: seq } as LabEvent;
}

interface Case {
  name: string;
  events: Draft[];
  check: (s: LabState, lab: LabScript) => void;
}

const cases: Case[] = [
  {
    name: 'server.up records port and adapter and starts with no sockets',
    events: [
      {
        kind: 'server.up',
        server: 's3',
        port: 4003,
        adapter: 'sharded',
        subscriptionMode: 'dynamic',
      },
    ],
    check: (s) => {
      expect(s.servers.s3).toMatchObject({
        port: 4003,
        adapter: 'sharded',
        state: 'up',
        sockets: [],
      });
      expect(s.servers.s3.subscriptionMode).toBe('dynamic');
    },
  },
  {
    name: 'server.down crash marks crashed, disconnects its clients, drops its subscriptions',
    events: [{ kind: 'server.down', server: 's1', reason: 'crash' }],
    check: (s) => {
      expect(s.servers.s1.state).toBe('crashed');
      expect(s.servers.s1.downs).toBe(1);
      expect(s.clients.c1.state).toBe('disconnected');
      expect(s.clients.c1.rooms).toEqual(['blue']);
      expect(s.redis.patterns['socket.io#/#*']).toEqual(['s2:sub']);
      expect(s.servers.s1.connections.sub?.state).toBe('down');
    },
  },
  {
    name: 'a server that went down and came back forgets the old process: sockets, rooms, uid',
    events: [
      { kind: 'server.down', server: 's1', reason: 'stop' },
      { kind: 'server.up', server: 's1', port: 4001, adapter: 'redis' },
    ],
    check: (s) => {
      expect(s.servers.s1).toMatchObject({ state: 'up', sockets: [], rooms: {}, downs: 1 });
      expect(s.servers.s1.uid).toBeUndefined();
      expect(s.servers.s2.uid).toBe('s2u1xx');
    },
  },
  {
    name: 'server.down stop is down, not crashed',
    events: [{ kind: 'server.down', server: 's2', reason: 'stop' }],
    check: (s) => expect(s.servers.s2.state).toBe('down'),
  },
  {
    name: 'redis.connect adds the connection and proves Redis is up',
    events: [
      { kind: 'redis.connect', server: 's3', role: 'monitor-sub', name: 's3:mon', clientId: 9 },
    ],
    check: (s) => {
      expect(s.servers.s3.connections['monitor-sub']).toEqual({
        name: 's3:mon',
        state: 'up',
        clientId: 9,
        duplicated: undefined,
      });
      expect(s.redis.state).toBe('up');
    },
  },
  {
    name: 'redis.disconnect marks the connection down and clears its subscriptions',
    events: [
      { kind: 'redis.disconnect', server: 's2', role: 'sub', name: 's2:sub', error: 'ECONNRESET' },
    ],
    check: (s) => {
      expect(s.servers.s2.connections.sub).toMatchObject({ state: 'down', error: 'ECONNRESET' });
      expect(s.redis.channels['socket.io-request#/#']).toEqual(['s1:sub']);
      expect(s.redis.channels['socket.io-response#/#s2u1xx#']).toBeUndefined();
    },
  },
  {
    name: 'redis.command SUBSCRIBE, SSUBSCRIBE and UNSUBSCRIBE (with and without args)',
    events: [
      {
        kind: 'redis.command',
        server: 's1',
        role: 'sub',
        command: 'ssubscribe',
        args: ['a#', 'b#'],
      },
      { kind: 'redis.command', server: 's2', role: 'sub', command: 'SSUBSCRIBE', args: ['a#'] },
      { kind: 'redis.command', server: 's1', role: 'sub', command: 'SUNSUBSCRIBE', args: ['a#'] },
      { kind: 'redis.command', server: 's2', role: 'sub', command: 'UNSUBSCRIBE', args: [] },
      {
        kind: 'redis.command',
        server: 's1',
        role: 'sub',
        command: 'SUBSCRIBE',
        args: ['x'],
        error: 'ERR',
      },
    ],
    check: (s) => {
      expect(s.redis.shardChannels).toEqual({ 'a#': ['s2:sub'], 'b#': ['s1:sub'] });
      expect(s.redis.channels['socket.io-request#/#']).toEqual(['s1:sub']);
      expect(s.redis.channels.x).toBeUndefined();
    },
  },
  {
    name: 'adapter.attach sets the uid of namespace / over others',
    events: [
      {
        kind: 'adapter.attach',
        server: 's1',
        adapter: 'redis',
        uid: 'other',
        nsp: '/chat',
        channels: [],
      },
    ],
    check: (s) => expect(s.servers.s1.uid).toBe('s1u1xx'),
  },
  {
    name: 'client.transport changes nothing but step and lastEvent',
    events: [{ kind: 'client.transport', server: 's1', transport: 'polling', step: 2 }],
    check: (s) => {
      expect(s.step).toBe(2);
      expect(s.lastEvent?.kind).toBe('client.transport');
    },
  },
  {
    name: 'client.connect after a room.join keeps the room, and a reconnect replaces the socket',
    events: [
      { kind: 'room.join', server: 's2', socketId: 'new', room: 'red' },
      {
        kind: 'client.connect',
        server: 's2',
        socketId: 'new',
        client: 'c1',
        transport: 'websocket',
      },
    ],
    check: (s, lab) => {
      expect(s.clients.c1).toMatchObject({ server: 's2', socketId: 'new', rooms: ['red'] });
      expect(s.sockets[lab.clients.c1.socketId].connected).toBe(false);
      expect(s.servers.s1.rooms.blue).toBeUndefined();
      expect(s.servers.s2.rooms.red).toEqual(['new']);
    },
  },
  {
    name: 'client.disconnect after socket.io leaves every room keeps the client rooms',
    events: [],
    check: (_s, lab) => {
      lab.serverDown('s1', 'stop');
      const s = reduceAll(lab.events);
      expect(lab.events.some((e) => e.kind === 'room.leave')).toBe(true);
      expect(s.clients.c1).toMatchObject({
        state: 'disconnected',
        rooms: ['blue'],
        disconnects: 1,
      });
      expect(s.sockets[lab.clients.c1.socketId].connected).toBe(false);
    },
  },
  {
    name: 'unmarked leaves right before the disconnect are still taken as the closing ones',
    events: [],
    check: (_s, lab) => {
      lab.markLeaves = false;
      lab.downFirst = false;
      lab.join('c1', 'red');
      lab.serverDown('s1', 'stop');
      const s = reduceAll(lab.events);
      expect(lab.events.some((e) => e.kind === 'room.leave' && 'closing' in e)).toBe(false);
      expect(s.clients.c1).toMatchObject({ state: 'disconnected', rooms: ['blue', 'red'] });
    },
  },
  {
    name: 'a user leave marked closing: false right before the disconnect stays left',
    events: [],
    check: (_s, lab) => {
      lab.join('c1', 'blue', true);
      lab.serverDown('s1', 'crash');
      expect(reduceAll(lab.events).clients.c1.rooms).toEqual([]);
    },
  },
  {
    name: 'leaves reported after server.down (as the lab does) keep the client rooms too',
    events: [],
    check: (_s, lab) => {
      lab.markLeaves = false;
      lab.serverDown('s1', 'stop');
      const kinds = lab.events.slice(-3).map((e) => e.kind);
      expect(kinds).toEqual(['server.down', 'room.leave', 'client.disconnect']);
      expect(reduceAll(lab.events).clients.c1).toMatchObject({
        rooms: ['blue'],
        state: 'disconnected',
      });
    },
  },
  {
    name: 'room.leave by the user removes the room from client, socket and server',
    events: [],
    check: (_s, lab) => {
      lab.join('c1', 'blue', true);
      broadcast(lab, 'c1');
      const s = reduceAll(lab.events);
      expect(s.clients.c1.rooms).toEqual([]);
      expect(s.servers.s1.rooms).toEqual({});
    },
  },
  {
    name: 'room.join of the socket-id room is left out',
    events: [
      {
        kind: 'room.join',
        server: 's1',
        socketId: 'c1_1_________________',
        room: 'c1_1_________________',
      },
    ],
    check: (s) => expect(s.clients.c1.rooms).toEqual(['blue']),
  },
  {
    name: 'monitor.mode per server',
    events: [{ kind: 'monitor.mode', server: 's2', mode: 'sampled', reason: 'viewer slow' }],
    check: (s) => expect(s.mode).toEqual({ s2: 'sampled' }),
  },
  {
    name: 'counters take the latest totals and carry a restarted server',
    events: [
      {
        kind: 'counters',
        server: 's1',
        publishes: 5,
        receipts: { 'own-message': 5 },
        deliveries: 7,
        skipped: 1,
      },
      {
        kind: 'counters',
        server: 's1',
        publishes: 6,
        receipts: { 'own-message': 6 },
        deliveries: 8,
        skipped: 1,
      },
      {
        kind: 'counters',
        server: 's2',
        publishes: 1,
        receipts: { delivered: 6 },
        deliveries: 2,
        skipped: 0,
      },
      { kind: 'server.up', server: 's1', port: 4001, adapter: 'redis' },
      {
        kind: 'counters',
        server: 's1',
        publishes: 2,
        receipts: { 'own-message': 1 },
        deliveries: 1,
        skipped: 0,
      },
    ],
    check: (s) => {
      expect(s.counters.servers.s1.publishes).toBe(2);
      expect(s.counters.lab).toEqual({
        publishes: 9,
        receipts: { 'own-message': 7, delivered: 6 },
        deliveries: 11,
        skipped: 1,
      });
    },
  },
  {
    name: 'lab.notice redis.down clears every subscription, redis.up brings state back',
    events: [{ kind: 'lab.notice', server: 'hub', topic: 'redis.down', text: '' }],
    check: (s) => {
      expect(s.redis).toMatchObject({ state: 'down', channels: {}, patterns: {}, downs: 1 });
      expect(s.servers.s1.connections.pub?.state).toBe('down');
      expect(s.servers.hub).toBeUndefined();
      const back = reduce(
        s,
        ev({ kind: 'lab.notice', server: 'hub', topic: 'redis.up', text: '' }),
      );
      expect(back.redis.state).toBe('up');
    },
  },
  {
    name: 'hub connections are not a server but their subscriptions count',
    events: [
      { kind: 'redis.connect', server: 'hub', role: 'monitor-sub', name: 'hub:monitor' },
      {
        kind: 'redis.command',
        server: 'hub',
        role: 'monitor-sub',
        command: 'SUBSCRIBE',
        args: ['lab:monitor'],
      },
    ],
    check: (s) => {
      expect(s.servers.hub).toBeUndefined();
      expect(s.redis.channels['lab:monitor']).toEqual(['hub:monitor-sub']);
    },
  },
];

describe('reduce, kind by kind', () => {
  it.each(cases)('$name', ({ events, check }) => {
    const lab = baseLab();
    const state = reduceAll([...lab.events, ...events.map(ev)]);
    check(state, lab);
  });
});

describe('reduce, flows', () => {
  it('a broadcast collects every hop under one flow', () => {
    const lab = baseLab().connect('c3', 's2');
    const id = broadcast(lab, 'c1') as string;
    const flow = reduceAll(lab.events).flows[id];
    expect(flow).toMatchObject({ kind: 'broadcast', origin: 's1', event: 'chat message' });
    expect(flow.emit?.client).toBe('c1');
    expect(flow.publishes).toEqual([
      expect.objectContaining({ channel: 'socket.io#/#', receivers: 2 }),
    ]);
    expect(flow.receipts.map((r) => [r.server, r.decision, r.sockets])).toEqual([
      ['s1', 'own-message', undefined],
      ['s2', 'delivered', 2],
    ]);
    expect(flow.deliveries.map((d) => [d.server, d.origin, d.count])).toEqual([
      ['s1', 'local', 1],
      ['s2', 'remote', 2],
    ]);
    expect(flow.clientReceipts.map((r) => r.client).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(flow).toMatchObject({ rooms: [], targetKnown: true });
  });

  it('a room emit takes its target from the decoded publish', () => {
    const lab = baseLab();
    const id = broadcast(lab, 'c1', 'blue') as string;
    const flow = reduceAll(lab.events).flows[id];
    expect(flow.rooms).toEqual(['blue']);
    expect(flow.receipts.find((r) => r.server === 's2')?.decision).toBe('unknown-room');
  });

  it('a fetchSockets exchange is a request flow', async () => {
    const { fetchSockets } = await import('./sim/lab-traffic.ts');
    const lab = baseLab();
    const id = fetchSockets(lab, 's1') as string;
    const flow = reduceAll(lab.events).flows[id];
    expect(flow.kind).toBe('request');
    expect(flow.publishes.map((p) => p.channel)).toEqual([
      'socket.io-request#/#',
      'socket.io-response#/#',
    ]);
  });

  it("a foreign broadcast keeps who published it, has no origin here, and reaches this lab's clients", () => {
    const lab = baseLab();
    const receipt = (server: string, extra: Partial<Draft> = {}) =>
      ev({
        kind: 'receive',
        server,
        channel: 'socket.io#/#',
        via: 'pmessage',
        bytes: 60,
        decision: 'delivered',
        sockets: 1,
        flow: 's1-4@b7c2',
        foreign: 'other-lab',
        otherLab: 'b7c2',
        ...extra,
      } as Draft);
    const s = reduceAll([...lab.events, receipt('s1'), receipt('s2')]);
    const flow = s.flows['s1-4@b7c2'];
    expect(flow).toMatchObject({ foreign: 'other-lab', otherLab: 'b7c2', kind: 'broadcast' });
    expect(flow.origin).toBeUndefined();
    expect(reconcile(s, 's1-4@b7c2')).toMatchObject({ foreign: 'other-lab', otherLab: 'b7c2' });
  });

  it('bytes the adapter could not read make a flow nobody was expected to get', () => {
    const s = reduceAll([
      ...baseLab().events,
      ev({
        kind: 'receive',
        server: 's1',
        channel: 'socket.io#/#',
        via: 'pmessage',
        bytes: 2,
        decision: 'undecodable',
        reason: 'Error: 1 trailing bytes',
        fatal: true,
        foreign: 'outside',
        flow: 'h-683af69a',
      }),
    ]);
    expect(s.flows['h-683af69a']).toMatchObject({ kind: 'unknown', foreign: 'outside' });
    expect(s.flows['h-683af69a'].receipts[0]).toMatchObject({
      reason: 'Error: 1 trailing bytes',
      fatal: true,
    });
    expect(reconcile(s, 'h-683af69a')?.expected).toEqual([]);
  });

  it('plumbing publishes and events without a flow make no flow', () => {
    const s = reduceAll([
      ev({
        kind: 'publish',
        server: 's1',
        command: 'PUBLISH',
        channel: 'lab:monitor',
        bytes: 9,
        pubId: 1,
        plumbing: true,
        flow: 'm',
      }),
      ev({
        kind: 'receive',
        server: 's1',
        channel: 'x',
        via: 'message',
        bytes: 1,
        decision: 'ignored',
      }),
    ]);
    expect(s.flowOrder).toEqual([]);
  });

  it(`keeps only the newest ${FLOW_CAP} flows`, () => {
    const lab = baseLab();
    const ids = Array.from({ length: FLOW_CAP + 3 }, () => broadcast(lab, 'c2') as string);
    const s = reduceAll(lab.events);
    expect(s.flowOrder.length).toBe(FLOW_CAP);
    expect(s.flows[ids[2]]).toBeUndefined();
    expect(s.flowOrder[0]).toBe(ids[3]);
    expect(Object.keys(s.flows).length).toBe(FLOW_CAP);
  });

  it(`lets a flow go once ${FLOW_EVENT_SPAN} events have passed since it was first seen`, () => {
    // Sixty clients: each broadcast is about seventy events, so the span passes in ~150 flows.
    const lab = baseLab();
    for (let i = 3; i <= 60; i++) lab.connect(`c${i}`, i % 2 ? 's1' : 's2');
    const first = broadcast(lab, 'c1') as string;
    const s = reduceAll(lab.events);
    const perFlow = lab.events.length;
    // Far fewer flows than FLOW_CAP, but more events than the span: the first one goes.
    while (s.events - perFlow < FLOW_EVENT_SPAN) {
      const from = lab.events.length;
      broadcast(lab, 'c2');
      reduceAll(lab.events.slice(from), s);
    }
    expect(s.flowOrder.length).toBeLessThan(FLOW_CAP);
    expect(s.flows[first]).toBeUndefined();
    expect(s.flowOrder[0]).not.toBe(first);
  });

  it('a fork shares its flows until either side changes one', () => {
    const lab = baseLab();
    const flow = broadcast(lab, 'c1') as string;
    const s = reduceAll(lab.events);
    const fork = forkState(s);
    const before = JSON.stringify(s.flows[flow]);
    expect(fork.flows[flow]).toBe(s.flows[flow]);
    reduce(
      fork,
      ev({
        kind: 'client.receive',
        server: 's2',
        socketId: 'x',
        client: 'c9',
        event: 'chat message',
        args: [],
        flow,
      }),
    );
    expect(fork.flows[flow]).not.toBe(s.flows[flow]);
    expect(fork.flows[flow].clientReceipts.length).toBe(s.flows[flow].clientReceipts.length + 1);
    expect(JSON.stringify(s.flows[flow])).toBe(before);
    expect(forkState(s)).toEqual(cloneState(s));
  });

  it(`forgets disconnected sockets beyond ${GONE_SOCKET_CAP}`, () => {
    const lab = baseLab();
    for (let i = 0; i < GONE_SOCKET_CAP + 5; i++)
      lab.serverDown('s2').serverUp('s2').connect('c2', 's2');
    const s = reduceAll(lab.events);
    expect(s.goneSockets.length).toBe(GONE_SOCKET_CAP);
    expect(Object.values(s.sockets).filter((x) => !x.connected).length).toBe(GONE_SOCKET_CAP);
    expect(s.clients.c2).toMatchObject({ state: 'connected', disconnects: GONE_SOCKET_CAP + 5 });
  });

  it('the state is plain JSON', () => {
    const lab = baseLab();
    broadcast(lab, 'c1', 'blue');
    const s = reduceAll(lab.events);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.events).toBe(lab.events.length);
  });
});
