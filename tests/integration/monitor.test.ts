import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { io as connect } from 'socket.io-client';
import {
  BACKENDS,
  clientNames,
  closeAllLabs,
  makeLab,
  nextEvent,
  numsub,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import type { Envelope, LabEvent, Step } from '../../trace/events.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { reconcile } from '../../trace/reconcile.ts';
import type { LabState } from '../../trace/state.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

type Of<K extends LabEvent['kind']> = Extract<LabEvent, { kind: K }>;
const ofKind = <K extends LabEvent['kind']>(events: LabEvent[], kind: K, flow?: string) =>
  events.filter((e): e is Of<K> => e.kind === kind && (flow === undefined || e.flow === flow));

/** Emits through the API and resolves with the flow once every listed client reported its receipt. */
async function broadcastFrom(
  lab: TestLab,
  client: string,
  event: string,
  args: unknown[],
  receivers: string[],
): Promise<string> {
  const emitted = lab.waitForEvent(
    (e) => e.kind === 'client.emit' && e.client === client && e.event === event,
  );
  await lab.send(apiCalls.emit(client, event, args));
  const flow = (await emitted).flow!;
  await Promise.all(
    receivers.map((c) =>
      lab.waitForEvent((e) => e.kind === 'client.receive' && e.client === c && e.flow === flow, {
        past: true,
      }),
    ),
  );
  return flow;
}

/** The counters events are the last word; wait until a server's receipts reach `n`. */
async function countersOf(lab: TestLab, server: string, pred: (e: Of<'counters'>) => boolean) {
  const isCounters = (e: LabEvent): e is Of<'counters'> =>
    e.kind === 'counters' && e.server === server;
  return (await lab.waitForEvent((e) => isCounters(e) && pred(e), {
    past: true,
    timeoutMs: 5000,
  })) as Of<'counters'>;
}

describe.each(BACKENDS)('the monitor channel (%s)', (backend) => {
  let lab: TestLab;

  beforeAll(async () => {
    lab = await makeLab(backend);
    // c1 on s1, c2 and c3 on s2, c4 on s3.
    for (const server of ['s1', 's2', 's2', 's3']) await lab.lab.addClients(server, 1);
  });
  afterAll(() => lab.close());

  it('one chat broadcast: 1 publish, 3 receipts (s1 skips its own), deliveries and client receipts, one flow', async () => {
    const flow = await broadcastFrom(
      lab,
      'c1',
      'chat message',
      ['hello'],
      ['c1', 'c2', 'c3', 'c4'],
    );
    await lab.waitForEvent((e) => e.kind === 'publish.result' && e.flow === flow, { past: true });
    await Promise.all(
      ['s1', 's2', 's3'].map((s) =>
        lab.waitForEvent((e) => e.kind === 'receive' && e.server === s && e.flow === flow, {
          past: true,
        }),
      ),
    );
    const events = lab.events.filter((e) => e.flow === flow);

    const publishes = ofKind(events, 'publish');
    expect(publishes).toHaveLength(1);
    expect(publishes[0]).toMatchObject({
      server: 's1',
      command: 'PUBLISH',
      channel: 'socket.io#/#',
      step: 8,
    });
    expect(publishes[0].message).toMatchObject({
      format: 'msgpack',
      kind: 'broadcast',
      event: 'chat message',
    });
    expect(ofKind(events, 'publish.result')[0].receivers).toBe(3);

    const receipts = ofKind(events, 'receive');
    expect(receipts.map((r) => [r.server, r.decision]).sort()).toEqual([
      ['s1', 'own-message'],
      ['s2', 'delivered'],
      ['s3', 'delivered'],
    ]);
    expect(
      receipts.every(
        (r) => r.pattern === 'socket.io#/#*' && r.channel === 'socket.io#/#' && r.step === 9,
      ),
    ).toBe(true);

    const deliveries = ofKind(events, 'deliver')
      .map((d) => [d.server, d.origin, d.count])
      .sort();
    expect(deliveries).toEqual([
      ['s1', 'local', 1],
      ['s2', 'remote', 2],
      ['s3', 'remote', 1],
    ]);
    expect(
      ofKind(events, 'client.receive')
        .map((r) => r.client)
        .sort(),
    ).toEqual(['c1', 'c2', 'c3', 'c4']);

    // Causal order within each server, by its own sequence numbers.
    const order = (server: string) =>
      events
        .filter((e) => e.server === server && e.kind !== 'client.receive')
        .sort((x, y) => x.seq - y.seq)
        .map((e) => e.kind);
    expect(order('s1').slice(0, 3)).toEqual(['client.emit', 'publish', 'deliver']);
    expect(order('s2')).toEqual(['receive', 'deliver']);
    expect(order('s3')).toEqual(['receive', 'deliver']);
  });

  it("a page's hello: the standing state and the recent events make the lab as it stands", async () => {
    await broadcastFrom(lab, 'c2', 'chat message', ['standing'], ['c1', 'c2', 'c3', 'c4']);
    const page = connect(`${lab.url}/lab`, { transports: ['websocket'] });
    const [hello] = await nextEvent<{ snapshot: LabState; events: LabEvent[] }>(page, 'hello');
    page.disconnect();
    const now = reduceAll(hello.events, hello.snapshot);
    expect(Object.keys(now.clients).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(Object.keys(now.servers).sort()).toEqual(['s1', 's2', 's3']);
    const subscribers = (s: LabState) => [...(s.redis.patterns['socket.io#/#*'] ?? [])].sort();
    expect(subscribers(now)).toEqual(['s1:sub', 's2:sub', 's3:sub']);
    const state = await lab.send(apiCalls.state());
    expect(state.body.state.clients).toEqual(now.clients);
    expect(subscribers(state.body.state)).toEqual(subscribers(now));
  });

  it('a plain-string payload from a client written for the original demo gets a flow too', async () => {
    const demo = connect(`http://127.0.0.1:${lab.lab.server('s3').port}`, {
      transports: ['websocket'],
    });
    await nextEvent(demo, 'connect');
    const emitted = lab.waitForEvent((e) => e.kind === 'client.emit' && e.socketId === demo.id);
    const received = nextEvent(demo, 'chat message');
    demo.emit('chat message', 'just a string');
    expect(await received).toEqual(['just a string']);
    const flow = (await emitted).flow!;
    await lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.flow === flow && e.client === 'c1',
      { past: true },
    );
    expect(ofKind(lab.events, 'publish', flow)).toHaveLength(1);
    demo.disconnect();
  });

  it('fetchSockets is traced as a request and its responses, in one flow', async () => {
    const emitted = lab.waitForEvent(
      (e) => e.kind === 'client.emit' && e.client === 'c4' && e.event === 'count sockets',
    );
    const reply = await lab.send(apiCalls.emit<{ count: number }>('c4', 'count sockets'));
    expect(reply.body.reply.count).toBe(4);
    const flow = (await emitted).flow!;
    await lab.waitForEvent(
      (e) =>
        e.kind === 'receive' &&
        e.flow === flow &&
        e.channel === 'socket.io-response#/#' &&
        e.server === 's3' &&
        e.decision === 'delivered',
      { past: true },
    );
    // Each other server answers on the shared response channel.
    for (const s of ['s1', 's2']) {
      await lab.waitForEvent((e) => e.kind === 'publish' && e.flow === flow && e.server === s, {
        past: true,
      });
    }
    const publishes = ofKind(lab.events, 'publish', flow);
    expect(publishes.find((p) => p.server === 's3')?.channel).toBe('socket.io-request#/#');
    expect(publishes.find((p) => p.server === 's3')?.message?.name).toBe('REMOTE_FETCH');
    expect(
      publishes
        .filter((p) => p.channel === 'socket.io-response#/#')
        .map((p) => p.server)
        .sort(),
    ).toEqual(['s1', 's2']);
    // Every server hears every response on the shared channel; only the asker keeps them, and
    // s1 and s2 each get the other's answer (and their own), which are not for them.
    const notMine = await lab.waitForEvent(
      (e) =>
        e.kind === 'receive' &&
        e.flow === flow &&
        e.channel === 'socket.io-response#/#' &&
        e.decision === 'not-for-me',
      { past: true },
    );
    expect(['s1', 's2']).toContain(notMine.server);
  });

  it('a room emit with the classic adapter reaches every server; those with no member drop it as an unknown room', async () => {
    await lab.send(apiCalls.emit('c4', 'join', ['quiz']));
    const flow = await broadcastFrom(lab, 'c1', 'room message', ['quiz', 'q1'], ['c4']);
    await Promise.all(
      ['s1', 's2', 's3'].map((s) =>
        lab.waitForEvent((e) => e.kind === 'receive' && e.server === s && e.flow === flow, {
          past: true,
        }),
      ),
    );
    const decisions = ofKind(lab.events, 'receive', flow)
      .map((r) => [r.server, r.decision, r.channel])
      .sort();
    expect(decisions).toEqual([
      ['s1', 'unknown-room', 'socket.io#/#quiz#'],
      ['s2', 'unknown-room', 'socket.io#/#quiz#'],
      ['s3', 'delivered', 'socket.io#/#quiz#'],
    ]);
    // The decoded packet is what crossed the wire: [uid, packet, opts] with the room list.
    const delivered = ofKind(lab.events, 'receive', flow).find((r) => r.server === 's3')!;
    expect(delivered.message?.value).toMatchObject([
      expect.any(String),
      { data: ['room message', 'quiz', 'q1'] },
      { rooms: ['quiz'] },
    ]);
  });

  it('the monitor never counts as an adapter subscriber and its channel never reaches the adapter', async () => {
    const names = await clientNames(lab.admin, lab.lab.labId);
    // s1's relay subscribes only while its /monitor namespace has a viewer; here it has none.
    expect(names.filter((n) => n.startsWith('s1:')).sort()).toEqual([
      's1:monitor',
      's1:pub',
      's1:sub',
    ]);
    const numsub = (await lab.admin.call('PUBSUB', 'NUMSUB', 'socket.io-request#/#')) as [
      string,
      number,
    ];
    expect(Number(numsub[1])).toBe(3);
    expect(lab.events.some((e) => e.kind === 'receive' && e.channel.startsWith('lab:'))).toBe(
      false,
    );
  });

  it('counters are exact running totals per server', async () => {
    const before = lab.events.filter((e) => e.kind === 'publish' && e.server === 's2').length;
    for (let i = 0; i < 5; i++)
      await broadcastFrom(lab, 'c2', 'chat message', [`n${i}`], ['c1', 'c4']);
    const c = await countersOf(lab, 's2', (e) => e.publishes >= before + 5);
    expect(c.publishes).toBe(
      lab.events.filter((e) => e.kind === 'publish' && e.server === 's2').length,
    );
  });

  it('the trace model rebuilds servers, channels and subscribers from the feed', () => {
    const state = reduceAll(lab.events);
    expect(Object.keys(state.servers).sort()).toEqual(['s1', 's2', 's3']);
    expect(state.redis.patterns['socket.io#/#*']?.sort()).toEqual(['s1:sub', 's2:sub', 's3:sub']);
    expect(state.redis.channels['socket.io-request#/#']?.sort()).toEqual([
      's1:sub',
      's2:sub',
      's3:sub',
    ]);
  });

  it('stopping s2 mid-stream: reconciliation says which clients missed which messages, and why', async () => {
    await lab.send(apiCalls.server('s2', 'stop'));
    const flow = await broadcastFrom(lab, 'c1', 'chat message', ['while s2 is down'], ['c1', 'c4']);
    await lab.waitForEvent((e) => e.kind === 'receive' && e.flow === flow && e.server === 's3', {
      past: true,
    });
    const r = reconcile(reduceAll(lab.events), flow)!;
    expect(r.delivered.map((d) => d.client).sort()).toEqual(['c1', 'c4']);
    expect(r.lost.map((l) => [l.client, l.reason]).sort()).toEqual([
      ['c2', 'server-down'],
      ['c3', 'server-down'],
    ]);
    const restarted = Date.now();
    await lab.send(apiCalls.server('s2', 'start'));
    // A start answers once s2 listens, and waits for Redis at most a few seconds (whenReady):
    // under load s2's connections can report ready after it. The next test counts the connects
    // made after its own start, so this one waits for the ones its restart caused.
    for (const role of ['pub', 'sub'])
      await lab.waitForEvent(
        (e) =>
          e.kind === 'redis.connect' && e.server === 's2' && e.role === role && e.t >= restarted,
        { past: true },
      );
  });
  // Last: the setup ends the clients the tests above use.
  it("a setup's batches are shown once, though they also come back through the monitor channel", async () => {
    const from = lab.events.length;
    // The test above started s2 again; its connects may still be on their way here.
    const t0 = Date.now();
    expect((await lab.send(apiCalls.setup({ servers: 3 }))).status).toBe(200);
    // Redis hands the hub its subscriptions' messages in order: once this marker is reported,
    // every batch the new servers published before it has come back too.
    const marker = 'not a batch: a marker after the setup';
    const seen = lab.waitForEvent(
      (e) => e.kind === 'receive' && e.server === 'hub' && e.bytes === marker.length,
    );
    await lab.admin.publish(lab.lab.options.monitorChannel, marker);
    await seen;
    const since = lab.events.slice(from);
    const connects = ofKind(since, 'redis.connect').filter((e) => e.t >= t0);
    expect(connects.map((e) => `${e.server}:${e.role}`).sort()).toEqual([
      's1:pub',
      's1:sub',
      's2:pub',
      's2:sub',
      's3:pub',
      's3:sub',
    ]);
    const keys = since.map((e) => `${e.server} ${e.seq} ${e.t} ${e.kind}`);
    expect(keys.length - new Set(keys).size, 'events shown twice').toBe(0);
  });
});

describe.each(BACKENDS)('the monitor with the sharded adapter in dynamic mode (%s)', (backend) => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await makeLab(backend, { adapter: 'sharded', subscriptionMode: 'dynamic' });
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
  });
  afterAll(() => lab.close());

  it('servers with no member in the room never receive its broadcast', async () => {
    await lab.send(apiCalls.emit('c3', 'join', ['quiz']));
    await lab.waitForEvent(
      (e) =>
        e.kind === 'redis.command' &&
        e.server === 's3' &&
        e.command === 'SSUBSCRIBE' &&
        e.args.includes('socket.io#/#quiz#'),
      { past: true },
    );
    const flow = await broadcastFrom(lab, 'c1', 'room message', ['quiz', 'q1'], ['c3']);
    const publish = ofKind(lab.events, 'publish', flow)[0];
    expect(publish).toMatchObject({
      command: 'SPUBLISH',
      channel: 'socket.io#/#quiz#',
      server: 's1',
    });
    await lab.waitForEvent((e) => e.kind === 'publish.result' && e.flow === flow, { past: true });
    expect(ofKind(lab.events, 'publish.result', flow)[0].receivers).toBe(1);
    await lab.waitForEvent((e) => e.kind === 'deliver' && e.flow === flow && e.server === 's3', {
      past: true,
    });
    // s3's deliver comes after its receive in s3's own batches, so every receipt is in by now.
    expect(ofKind(lab.events, 'receive', flow).map((r) => [r.server, r.decision, r.via])).toEqual([
      ['s3', 'delivered', 'smessage'],
    ]);
  });
});

describe('the ten steps', () => {
  it('a lab start and one broadcast produce events for every step of the walkthrough', async () => {
    const lab = await makeLab('redis', { servers: 2 });
    await lab.lab.addClients('s1', 1);
    await lab.lab.addClients('s2', 1);
    const flow = await broadcastFrom(lab, 'c1', 'chat message', ['ten steps'], ['c1', 'c2']);
    // The clients' receipts come from the hub, s2's receipt of the PUBLISH in s2's own batch,
    // which may arrive later.
    await lab.waitForEvent((e) => e.kind === 'deliver' && e.server === 's2' && e.flow === flow, {
      past: true,
    });
    const byStep = new Map<Step, Set<string>>();
    for (const e of lab.events) byStep.set(e.step, (byStep.get(e.step) ?? new Set()).add(e.kind));
    // Lab clients open a WebSocket straight away: their one HTTP request is step 1b, and no
    // long-polling (1a) happens.
    expect(new Set(byStep.keys())).toEqual(new Set([1, '1b', 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect([...byStep.get(1)!]).toContain('server.up');
    expect([...byStep.get('1b')!]).toEqual(['http.request']);
    expect([...byStep.get(2)!]).toContain('client.transport');
    expect([...byStep.get(3)!]).toContain('client.connect');
    expect([...byStep.get(4)!]).toContain('redis.connect');
    expect([...byStep.get(5)!]).toContain('redis.command');
    expect([...byStep.get(7)!]).toContain('adapter.attach');
    expect([...byStep.get(8)!].sort()).toEqual(
      expect.arrayContaining(['client.emit', 'publish', 'deliver']),
    );
    expect([...byStep.get(9)!].sort()).toEqual(
      expect.arrayContaining(['receive', 'deliver', 'publish.result']),
    );
    expect([...byStep.get(10)!]).toEqual(['client.receive']);
    // Step 5 is SUBSCRIBE and PSUBSCRIBE on each sub connection.
    const subs = lab.events.filter(
      (e) => e.kind === 'redis.command' && e.step === 5 && e.server === 's1',
    );
    expect(subs.map((e) => (e as Of<'redis.command'>).command).sort()).toEqual([
      'PSUBSCRIBE',
      'SUBSCRIBE',
    ]);
    await lab.close();
  });
});

describe('the monitor feed', () => {
  it('survives a server toggle and a Redis restart, on a server relay and on the hub', async () => {
    const lab = await makeLab('redis', { redisKind: 'owned', servers: 2 });
    await lab.lab.addClients('s1', 1);
    await lab.lab.addClients('s2', 1);
    const viewer = connect(`http://127.0.0.1:${lab.lab.server('s1').port}/monitor`, {
      transports: ['websocket'],
    });
    const relayed: LabEvent[] = [];
    viewer.on('trace', (env: Envelope) => relayed.push(...env.events));
    await nextEvent(viewer, 'connect');
    const seenOnRelay = (what: string, pred: (e: LabEvent) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the relay never showed ${what}`)), 10_000);
        const check = () => {
          if (!relayed.some(pred)) return;
          clearTimeout(timer);
          viewer.off('trace', check);
          resolve();
        };
        viewer.on('trace', check);
        check();
      });

    await lab.send(apiCalls.server('s2', 'crash'));
    await lab.send(apiCalls.server('s2', 'start'));
    await seenOnRelay('s2 back up', (e) => e.kind === 'server.up' && e.server === 's2');
    await lab.send(apiCalls.redis('stop'));
    const restarted = Date.now();
    await lab.send(apiCalls.redis('start'));
    // Everyone re-subscribes on their own: the adapters' sub connections (reported as events)...
    for (const server of ['s1', 's2']) {
      await lab.waitForEvent(
        (e) =>
          e.kind === 'redis.command' &&
          e.command === 'PSUBSCRIBE' &&
          e.server === server &&
          !e.error &&
          e.t >= restarted,
        { past: true, timeoutMs: 5000 },
      );
    }
    // ...and the monitor subscribers, which report nothing: the hub's, and s1's relay (it has a
    // viewer; s2's has none, so it does not subscribe at all).
    const channel = lab.lab.options.monitorChannel;
    await until(
      async () => (await numsub(lab.admin, channel)) === 2,
      5000,
      'monitor subscribers back',
    );
    const flow = await broadcastFrom(lab, 'c2', 'chat message', ['after it all'], ['c1', 'c2']);
    await seenOnRelay(
      'the delivery on s1',
      (e) => e.kind === 'deliver' && e.flow === flow && e.server === 's1',
    );
    expect(lab.events.some((e) => e.kind === 'lab.notice' && e.topic === 'redis.down')).toBe(true);
    viewer.disconnect();
    await lab.close();
  });

  it('--monitor off: no monitor connections and no events', async () => {
    const lab = await makeLab('redis', { servers: 2, monitor: false, redisKind: 'owned' });
    const names = await clientNames(lab.admin, lab.lab.labId);
    expect(names.filter((n) => /^s\d:/.test(n)).sort()).toEqual([
      's1:pub',
      's1:sub',
      's2:pub',
      's2:sub',
    ]);
    const a = await lab.client('s1');
    const got = nextEvent(a, 'chat message');
    a.emit('chat message', 'unwatched');
    await got;
    expect(lab.events).toEqual([]);
    await lab.close();
  });
});

describe('the monitor under a flood', () => {
  it('every source of the lab samples at one level, and all go back to full detail when it ends', async () => {
    // The flood guard off, so the client's burst reaches the servers as it is.
    const lab = await makeLab('redis', { clientRate: 1_000_000 });
    const sender = await lab.client('s1');
    const listener = await lab.client('s3');
    const N = 1000;
    let got = 0;
    const all = new Promise<void>((resolve) =>
      listener.on('chat message', () => ++got === N && resolve()),
    );
    for (let i = 0; i < N; i++) sender.emit('chat message', `m${i}`);
    await all;
    const sources = ['s1', 's2', 's3', 'hub'];
    // No event follows the flood; each source's 1 s tick still brings it back.
    await Promise.all(
      sources.map((server) =>
        lab.waitForEvent(
          (e) => e.kind === 'monitor.mode' && e.server === server && e.mode === 'detail',
          { past: true, timeoutMs: 10_000 },
        ),
      ),
    );
    const levels = (server: string) =>
      ofKind(lab.events, 'monitor.mode')
        .filter((e) => e.server === server)
        .map((e) => e.oneIn);
    expect(levels('s1')[0]).toBeGreaterThanOrEqual(10);
    // On a busy machine the flood can dip below the threshold for a tick and rise again (10, 1,
    // 10, ...): the detail above may be such a dip, so wait for every source's last level.
    await vi.waitFor(
      () => {
        expect(levels('s1').at(-1)).toBe(1);
        for (const server of sources) expect(levels(server), server).toEqual(levels('s1'));
      },
      { timeout: 10_000, interval: 50 },
    );
    const counters = await countersOf(lab, 's1', (e) => e.publishes >= N);
    expect(counters.publishes).toBe(N);
    sender.disconnect();
    listener.disconnect();
    await lab.close();
  });
});

describe('the monitor under a steady load', () => {
  it('settles on one sampling level: at most about one change a second per source', async () => {
    const lab = await makeLab('redis', { servers: 2, clientRate: 1_000_000 });
    // Twenty headless clients: each broadcast makes twenty receipts, reported by the hub.
    await lab.send(apiCalls.addClients({ count: 20 }));
    const sender = await lab.client('s1');
    // About 50 broadcasts a second, about 1,300 detail events a second: over the 600 budget.
    const timer = setInterval(() => sender.emit('chat message', 'steady'), 20);
    try {
      await lab.waitForEvent((e) => e.kind === 'monitor.mode' && e.mode === 'sampled', {
        past: true,
      });
      // Let the level find its place, then watch it for four seconds.
      await new Promise((r) => setTimeout(r, 2000));
      const from = lab.events.length;
      await new Promise((r) => setTimeout(r, 4000));
      const changes = ofKind(lab.events.slice(from), 'monitor.mode');
      for (const source of ['s1', 's2', 'hub']) {
        const mine = changes.filter((e) => e.server === source).map((e) => e.oneIn);
        expect(mine.length, `${source}: ${mine.join(' ')}`).toBeLessThanOrEqual(4);
      }
    } finally {
      clearInterval(timer);
      sender.disconnect();
      await lab.close();
    }
  });
});
