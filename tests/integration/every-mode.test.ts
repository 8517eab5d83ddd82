/**
 * The suite every adapter mode runs (issue 13), as @socket.io/redis-adapter's own tests run one
 * suite over several Redis clients: every mode the registry lists (server/adapters/registry.ts)
 * on every backend (BACKENDS: the suite's redis-server and the embedded broker), one lab of
 * three servers each. A mode joins it by being registered.
 *
 * The tests do not name modes. What each expects comes from what the registry says of the mode:
 * - whether broadcasts cross servers: a mode with a command that carries a broadcast into Redis
 *   (ADAPTER_MODES' `carrier`: PUBLISH, SPUBLISH or XADD) reaches every server; one with none
 *   (socket.io's in-memory adapter) reaches only the server it was sent on, and so do its
 *   fetchSockets, serverSideEmit, acks and server count;
 * - the command the monitor sees a broadcast go out with (that same `carrier`);
 * - whether a client that comes back is sent what it missed (the mode's `serverOptions` turn on
 *   connection state recovery).
 * A mode that a backend's Redis cannot run is refused by the registry's own rule (modeRefusal),
 * and the suite checks that sentence instead of skipping the mode.
 *
 * What is one mode's own (the stream's entries and trimming, recovery's trace, sharded rooms'
 * channels, a cluster) stays in that mode's files: streams-lab, streams-adapter,
 * streams-failover, monitor (sharded dynamic rooms), redis-cluster. docs/adapters.md lists them.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Server } from 'socket.io';
import {
  BACKENDS,
  type Backend,
  closeAllLabs,
  makeLab,
  nextEvent,
  redisFor,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { say } from '../support/chat-arrival.ts';
import { ADAPTERS, modeRefusal, serverMode } from '../../server/adapters/registry.ts';
import { ADAPTER_MODES } from '../../trace/adapter-modes.ts';
import { redisVersion } from '../../server/redis-finder.ts';
import { BROKER_REDIS_VERSION } from '../../server/broker/connection-commands.ts';
import { apiCalls } from '../../trace/api-calls.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import { socketCounts } from '../../trace/socket-counts.ts';
import type { AdapterKind, LabEvent } from '../../trace/events.ts';

afterAll(closeAllLabs);

/** The Redis version each backend reports: what the lab gives modeRefusal. */
const VERSIONS: Record<Backend, string> = {
  redis: await redisVersion(inject('redisUrl')),
  broker: BROKER_REDIS_VERSION,
};

/** Every registered mode on every backend, with the registry's refusal where it has one. */
const CASES = ADAPTERS.flatMap((mode) =>
  BACKENDS.map((backend) => ({
    mode,
    backend,
    refusal: modeRefusal(mode, VERSIONS[backend], false),
  })),
);

/** What the registry says of a mode that the suite's expectations depend on. */
function traitsOf(mode: AdapterKind) {
  const carrier = ADAPTER_MODES[mode].carrier;
  return {
    carrier,
    /** Broadcasts, requests and acks reach the other servers (through Redis). */
    crosses: carrier !== null,
    /** A client that comes back within maxDisconnectionDuration is sent what it missed. */
    recovers: !!serverMode(mode).serverOptions?.connectionStateRecovery,
  };
}

const SERVERS = ['s1', 's2', 's3'];

type Of<K extends LabEvent['kind']> = Extract<LabEvent, { kind: K }>;
const ofKind = <K extends LabEvent['kind']>(lab: TestLab, kind: K, flow?: string) =>
  lab.events.filter((e): e is Of<K> => e.kind === kind && (flow === undefined || e.flow === flow));

/** A socket.io-client of the suite's own: its server and the rooms it joined. */
interface Member {
  name: string;
  server: string;
  socket: Socket;
  rooms: string[];
}

/** Counts what a socket receives of `event` that `match` picks, with a wait for the n-th. */
function tally(socket: Socket, event: string, match: (args: unknown[]) => boolean) {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const on = (...args: unknown[]) => {
    if (!match(args)) return;
    count++;
    for (const w of waiters.filter((w) => count >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  socket.on(event, on);
  return {
    get count() {
      return count;
    },
    reached(n: number, timeoutMs = 10_000): Promise<void> {
      if (count >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${n} × "${event}" never came (got ${count})`));
        }, timeoutMs);
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
      });
    },
    stop: () => socket.off(event, on),
  };
}

const carries = (text: string) => (args: unknown[]) =>
  args.some(
    (a) => a === text || (typeof a === 'object' && a !== null && 'text' in a && a.text === text),
  );

describe.each(CASES)('every mode: $mode adapter on $backend', ({ mode, backend, refusal }) => {
  if (refusal) {
    it(`is refused by the registry: ${refusal}`, async () => {
      const redis = await redisFor(backend);
      try {
        await expect(makeLab(backend, { adapter: mode, redis })).rejects.toThrow(refusal);
      } finally {
        await redis.managed?.stop();
      }
    });
    return;
  }

  const { carrier, crosses, recovers } = traitsOf(mode);
  /** Whether something sent on server `from` can reach a socket on server `to`. */
  const reaches = (from: string, to: string) => crosses || from === to;

  let lab: TestLab;
  /** a and a2 on s1, b on s2, c on s3. */
  let a: Member, a2: Member, b: Member, c: Member;
  let members: Member[];
  /** The lab's own clients (c1 on s1, c2 on s2, c3 on s3): the trace reports their receipts. */
  const labClients = [
    { id: 'c1', server: 's1' },
    { id: 'c2', server: 's2' },
    { id: 'c3', server: 's3' },
  ];
  const io = (server: string): Server => lab.lab.server(server).server!;
  /** Sockets connected to `server`: the suite's and the lab's. */
  const population = (server: string) =>
    members.filter((m) => m.server === server).length +
    labClients.filter((l) => l.server === server).length;

  /**
   * A member on a server that `from` does not reach is not waited for: nothing is on its way to
   * it. What is checked instead is that there is no way: `from` has no connection to Redis.
   */
  const noWayFrom = (from: string) =>
    expect(lab.lab.server(from).redisLink, `${from}'s connections to Redis`).toBe('none');

  /**
   * Sends something from server `from` and checks who got it: every member that `to` picks on
   * a server `from` reaches, exactly once, and nobody else. `marker` sends a chat message the
   * same way afterwards; on each server `from` reaches it arrives after anything the first send
   * could bring, so once it is in, what has not come will not. (A member on a server `from`
   * cannot reach has no path to it at all.)
   */
  async function reach(opts: {
    from: string;
    event: string;
    text: string;
    send: () => unknown;
    marker: (text: string) => unknown;
    to?: (m: Member) => boolean;
  }): Promise<void> {
    const { from, event, text } = opts;
    const got = new Map(members.map((m) => [m, tally(m.socket, event, carries(text))]));
    const markerText = `${text} (marker)`;
    const marks = new Map(
      members.map((m) => [m, tally(m.socket, 'chat message', carries(markerText))]),
    );
    try {
      await opts.send();
      const connected = members.filter((m) => m.socket.connected);
      const expected = connected.filter((m) => reaches(from, m.server) && (opts.to?.(m) ?? true));
      await Promise.all(expected.map((m) => got.get(m)!.reached(1)));
      await opts.marker(markerText);
      if (connected.some((m) => !reaches(from, m.server))) noWayFrom(from);
      await Promise.all(
        connected.filter((m) => reaches(from, m.server)).map((m) => marks.get(m)!.reached(1)),
      );
      expect(Object.fromEntries(members.map((m) => [m.name, got.get(m)!.count]))).toEqual(
        Object.fromEntries(members.map((m) => [m.name, expected.includes(m) ? 1 : 0])),
      );
    } finally {
      for (const t of [...got.values(), ...marks.values()]) t.stop();
    }
  }

  /** A chat message from a member: the original demo's io.emit. */
  const chatFrom = (m: Member, text: string) =>
    reach({
      from: m.server,
      event: 'chat message',
      text,
      send: () => m.socket.emit('chat message', text),
      marker: (t) => m.socket.emit('chat message', t),
    });

  beforeAll(async () => {
    lab = await makeLab(backend, { adapter: mode });
    for (const { id, server } of labClients) {
      const made = await lab.send(apiCalls.addClients({ server }));
      expect(made.body.map((x) => x.id)).toEqual([id]);
    }
    const join = async (name: string, server: string): Promise<Member> => ({
      name,
      server,
      socket: await lab.client(server),
      rooms: [],
    });
    [a, a2, b, c] = await Promise.all([
      join('a', 's1'),
      join('a2', 's1'),
      join('b', 's2'),
      join('c', 's3'),
    ]);
    members = [a, a2, b, c];
    // The trace judges a broadcast by the clients it knew of when it first saw it; each server
    // reports its connections in batches of its own, which may come after another's receipts.
    const socketIds = [
      ...members.map((m) => m.socket.id),
      ...(await lab.send(apiCalls.lab())).body.clients.map((l) => l.socketId),
    ];
    await Promise.all(
      socketIds.map((id) =>
        lab.waitForEvent((e) => e.kind === 'client.connect' && e.socketId === id, { past: true }),
      ),
    );
    // A stream is read from `$` once each server's first XREAD is in place: until then, what is
    // added is not for it. Warm up until every server a chat reaches has it (at once for pub/sub).
    let n = 0;
    await until(
      async () => {
        const text = `warm-up ${++n}`;
        const want = members.filter((m) => reaches('s1', m.server));
        const tallies = want.map((m) => tally(m.socket, 'chat message', carries(text)));
        a.socket.emit('chat message', text);
        const ok = await Promise.all(tallies.map((t) => t.reached(1, 1000))).then(
          () => true,
          () => false,
        );
        for (const t of tallies) t.stop();
        return ok;
      },
      20_000,
      'every server hearing a chat',
    );
  });
  afterAll(() => lab.close());

  it(`a chat message from s1 reaches ${crosses ? 'every server' : 'only s1'}, the sender included`, async () => {
    await chatFrom(a, 'hello from s1');
  });

  it("a broadcast's trace: the carrier's publish, each server's receipt and decision, the deliveries, reconciled with what the clients got", async () => {
    const reached = labClients.filter((l) => reaches('s1', l.server));
    const text = `traced in ${mode}`;
    const arrived = members.map((m) => tally(m.socket, 'chat message', carries(text)));
    const flow = await say(lab, text);
    const outside = members.filter((m) => reaches('s1', m.server));
    await Promise.all(outside.map((m) => arrived[members.indexOf(m)].reached(1)));
    for (const t of arrived) t.stop();
    await Promise.all(
      reached.map((l) =>
        lab.waitForEvent(
          (e) => e.kind === 'client.receive' && e.client === l.id && e.flow === flow,
          {
            past: true,
          },
        ),
      ),
    );
    const servers = SERVERS.filter((s) => reaches('s1', s));
    await Promise.all(
      servers.map((s) =>
        lab.waitForEvent((e) => e.kind === 'deliver' && e.server === s && e.flow === flow, {
          past: true,
        }),
      ),
    );
    // Every server that hears the carrier receives it, the sender included; with no carrier,
    // nothing goes out and nobody receives.
    const receipts = carrier ? servers : [];
    await until(
      () => ofKind(lab, 'receive', flow).length === receipts.length,
      10_000,
      `${receipts.length} receipts`,
    );

    expect(ofKind(lab, 'publish', flow).map((p) => [p.server, p.command])).toEqual(
      carrier ? [['s1', carrier]] : [],
    );
    const got = ofKind(lab, 'receive', flow);
    expect(got.map((r) => [r.server, r.decision, r.sockets]).sort()).toEqual(
      receipts.map((s) =>
        s === 's1' ? [s, 'own-message', undefined] : [s, 'delivered', population(s)],
      ),
    );
    const delivers = ofKind(lab, 'deliver', flow);
    expect(delivers.map((d) => [d.server, d.origin, d.count]).sort()).toEqual(
      servers.map((s) => [s, s === 's1' ? 'local' : 'remote', population(s)]),
    );
    // A receipt comes before the delivery it decided, and says as many sockets.
    for (const r of got.filter((r) => r.decision === 'delivered')) {
      const d = delivers.find((x) => x.server === r.server)!;
      expect(d.seq).toBeGreaterThan(r.seq);
      expect(d.count).toBe(r.sockets);
    }

    const state = reduceAll(lab.events);
    // The servers' deliveries, by kind of socket: the lab's clients and the suite's own.
    expect(socketCounts(state, state.flows[flow]).delivered).toEqual({
      total: reached.length + outside.length,
      kinds: { lab: reached.length, outside: outside.length },
    });
    const r = reconcile(state, flow)!;
    expect(r.delivered.map((d) => d.client).sort()).toEqual(reached.map((l) => l.id));
    expect(r.lost).toEqual([]);
    expect(r.excluded.map((x) => [x.client, x.reason])).toEqual(
      labClients.filter((l) => !reached.includes(l)).map((l) => [l.id, 'local-only']),
    );
  });

  it('an emit to a room reaches only its members, on every server it reaches', async () => {
    expect(await a.socket.emitWithAck('join', 'blue')).toMatchObject({ rooms: ['blue'] });
    expect(await c.socket.emitWithAck('join', 'blue')).toMatchObject({ rooms: ['blue'] });
    a.rooms.push('blue');
    c.rooms.push('blue');
    await reach({
      from: 's1',
      event: 'room message',
      text: 'for blue only',
      send: () => a.socket.emit('room message', 'blue', 'for blue only'),
      marker: (t) => a.socket.emit('chat message', t),
      to: (m) => m.rooms.includes('blue'),
    });
  });

  it('an emit with except leaves out the sockets in that room, on every server it reaches', async () => {
    await reach({
      from: 's1',
      event: 'news',
      text: 'not for blue',
      send: () => io('s1').except('blue').emit('news', 'not for blue'),
      marker: (t) => io('s1').emit('chat message', t),
      to: (m) => !m.rooms.includes('blue'),
    });
  });

  it('io.local stays on its server in every mode; io.emit from every server reaches each socket once per server it hears', async () => {
    const locals = new Map(
      members.map((m) => [m, tally(m.socket, 'local news', carries('local'))]),
    );
    const everywhere = new Map(
      members.map((m) => [m, tally(m.socket, 'chat message', carries('from every server'))]),
    );
    try {
      const local = await lab.send(
        apiCalls.serversEmit({ event: 'local news', args: ['local'], local: true }),
      );
      expect(local.status).toBe(200);
      // Each server io.emits after its io.local.emit: once a socket has the copies of every
      // server it hears, any io.local copy that crossed would have come first.
      await lab.send(apiCalls.serversEmit({ event: 'chat message', args: ['from every server'] }));
      const heard = (m: Member) => SERVERS.filter((s) => reaches(s, m.server)).length;
      for (const s of SERVERS) if (members.some((m) => !reaches(s, m.server))) noWayFrom(s);
      await Promise.all(members.map((m) => everywhere.get(m)!.reached(heard(m))));
      for (const m of members) {
        expect(locals.get(m)!.count, m.name).toBe(1);
        expect(everywhere.get(m)!.count, m.name).toBe(heard(m));
      }
    } finally {
      for (const t of [...locals.values(), ...everywhere.values()]) t.stop();
    }
    // The monitor says the same: each server delivered it to its own sockets, none published it.
    const delivers = await Promise.all(
      SERVERS.map(
        (s) =>
          lab.waitForEvent(
            (e) =>
              e.kind === 'deliver' &&
              e.server === s &&
              e.event === 'local news' &&
              e.local === true,
            { past: true },
          ) as Promise<Of<'deliver'>>,
      ),
    );
    expect(delivers.map((d) => [d.server, d.origin, d.count])).toEqual(
      SERVERS.map((s) => [s, 'local', population(s)]),
    );
    expect(ofKind(lab, 'publish').filter((p) => p.message?.event === 'local news')).toEqual([]);
  });

  it(`fetchSockets counts the sockets ${crosses ? 'on every server' : 'of its own server only'}`, async () => {
    const reply = (await b.socket.emitWithAck('count sockets')) as {
      count: number;
      byServer: Record<string, number>;
    };
    const servers = SERVERS.filter((s) => reaches('s2', s));
    expect(reply.byServer).toEqual(Object.fromEntries(servers.map((s) => [s, population(s)])));
    expect(reply.count).toBe(servers.reduce((sum, s) => sum + population(s), 0));
  });

  it(`serverSideEmit reaches ${crosses ? 'the other servers, which tell their clients' : 'no other server'}`, async () => {
    const got = new Map(
      members.map((m) => [
        m,
        tally(m.socket, 'server ping', ([p]) => {
          const ping = p as { from?: string; to?: string; text?: string };
          return ping.text === 'ping' && ping.from === 's1' && ping.to === m.server;
        }),
      ]),
    );
    try {
      expect(await a.socket.emitWithAck('server ping', 'ping')).toEqual({ sent: true });
      const others = members.filter((m) => m.server !== 's1' && reaches('s1', m.server));
      await Promise.all(others.map((m) => got.get(m)!.reached(1)));
      if (members.some((m) => !reaches('s1', m.server))) noWayFrom('s1');
      // The sender's own server never hears its serverSideEmit: a chat sent after it reaches s1
      // after it would have.
      const marks = [a, a2].map((m) => tally(m.socket, 'chat message', carries('after the ping')));
      a.socket.emit('chat message', 'after the ping');
      await Promise.all(marks.map((t) => t.reached(1)));
      for (const t of marks) t.stop();
      expect(Object.fromEntries(members.map((m) => [m.name, got.get(m)!.count]))).toEqual(
        Object.fromEntries(members.map((m) => [m.name, others.includes(m) ? 1 : 0])),
      );
    } finally {
      for (const t of got.values()) t.stop();
    }
  });

  it(`a broadcast with acks collects an answer from every client ${crosses ? 'on every server' : 'of its server'}`, async () => {
    const answer = (_msg: unknown, ack: (v: unknown) => void) => ack('ok');
    for (const m of members) m.socket.on('ack request', answer);
    try {
      const reply = (await a.socket.emitWithAck('ack broadcast', 'please ack')) as {
        responses: number;
        error?: string;
      };
      const servers = SERVERS.filter((s) => reaches('s1', s));
      expect(reply).toEqual({ responses: servers.reduce((sum, s) => sum + population(s), 0) });
    } finally {
      for (const m of members) m.socket.off('ack request', answer);
    }
  });

  it(`a server stopped and started again: ${crosses ? 'cross-server traffic resumes' : 'it serves its own clients again'}${recovers ? ', and its client is sent what it missed' : ''}`, async () => {
    const serverCount = () => io('s1').of('/').adapter.serverCount();
    expect(await serverCount()).toBe(crosses ? 3 : 1);

    const down = nextEvent<string>(b.socket, 'disconnect');
    const stopped = await lab.send(apiCalls.server('s2', 'stop'));
    expect(stopped.body).toMatchObject({ id: 's2', state: 'down' });
    expect((await down)[0]).toBe('transport close');
    expect(await serverCount()).toBe(crosses ? 2 : 1);
    const missed = tally(b.socket, 'chat message', carries('while s2 is down'));
    try {
      await chatFrom(a, 'while s2 is down');

      const back = nextEvent(b.socket, 'connect', 10_000);
      expect((await lab.send(apiCalls.server('s2', 'start'))).status).toBe(200);
      await back;
      expect(b.socket.recovered ?? false).toBe(recovers);
      expect(await serverCount()).toBe(crosses ? 3 : 1);
      // s2 hears the others again, and they hear s2.
      await chatFrom(c, 's2 is back');
      await chatFrom(b, 'from s2 again');
      // What a recovered client missed came before anything sent after it was back.
      expect(missed.count).toBe(recovers ? 1 : 0);
    } finally {
      missed.stop();
    }
  });

  it("a message over socket.io's 1 MB limit drops only that client; the server carries on", async () => {
    const big = await lab.client('s2');
    const dropped = nextEvent<string>(big, 'disconnect');
    big.emit('chat message', 'x'.repeat(1_100_000));
    expect((await dropped)[0]).toMatch(/transport (close|error)/);
    big.disconnect();
    await chatFrom(b, 'still here');
  });

  it('a flooding client is rate-limited and told so', async () => {
    const warned = nextEvent<{ retryInMs: number }>(c.socket, 'rate limited');
    for (let i = 0; i < 100; i++) c.socket.emit('whoami');
    const [warning] = await warned;
    expect(warning.retryInMs).toBeGreaterThan(0);
  });
});
