/**
 * Nothing on a Redis channel can kill the lab. Each hostile message (tests/support/hostile-
 * messages.ts) is published from outside the lab, on real Redis and on the broker: every server
 * reports it with its own decision and reason, a plain server with the real adapter does what
 * the lab says it would (dies of it, or drops it), and the lab still serves chat afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { io as connect } from 'socket.io-client';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  nextEvent,
  type TestLab,
} from '../support/lab-fixture.ts';
import { chatArrives } from '../support/chat-arrival.ts';
import {
  HOSTILE_MESSAGES,
  brokenBatchOf,
  forgedChat,
  publishHostile,
  type HostileMessage,
} from '../support/hostile-messages.ts';
import { startPlainServer } from '../support/plain-server.ts';
import { hashFlowId } from '../../server/monitor/flow-context.ts';
import { forgedBroadcast } from '../../server/outsider.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

type Receive = Extract<LabEvent, { kind: 'receive' }>;

/** Every server's receipt of `m` (they all hear the adapter's channels). */
async function receiptsOf(lab: TestLab, m: HostileMessage, servers: string[]): Promise<Receive[]> {
  // Identical bytes on another channel share the flow: the channel tells them apart.
  const flow = hashFlowId(m.payload);
  const channel = m.channel(lab.lab.key);
  return (await Promise.all(
    servers.map((server) =>
      lab.waitForEvent(
        (e) =>
          e.kind === 'receive' && e.server === server && e.flow === flow && e.channel === channel,
        { past: true },
      ),
    ),
  )) as Receive[];
}

/** The lab still does its job: a chat message from c1 reaches the clients on the other servers. */
async function stillServes(lab: TestLab, clients: Socket[], text: string): Promise<void> {
  const got = clients.map((c) => chatArrives(c, text));
  await lab.send(apiCalls.emit('c1', 'chat message', [text]));
  await Promise.all(got);
}

/**
 * Publishes `m` where both the lab and a plain server listen, and checks that the plain server
 * does what the lab's receipts say it would.
 */
async function checkPlainServer(
  lab: TestLab,
  m: HostileMessage,
  adapter: 'redis' | 'sharded',
  receipt: () => Promise<Receive>,
): Promise<void> {
  const plain = await startPlainServer(lab.lab.shared.url, adapter);
  const client = connect(`http://127.0.0.1:${plain.port}`, { transports: ['websocket'] });
  try {
    await nextEvent(client, 'hello', 10_000);
    await publishHostile(lab.admin, m, lab.lab.key);
    const reason = (await receipt()).reason;
    if (m.fatal) {
      const { code, stderr } = await plain.exited;
      expect(code, 'a plain server dies of it').not.toBe(0);
      // It dies of the very error the lab reports.
      expect(stderr).toContain(reason!.replace(/…$/, '').split(': ').slice(1).join(': '));
    } else {
      // It read past the message: a well-formed one published after it arrives.
      const after = forgedBroadcast(adapter, lab.lab.key, {
        event: 'chat message',
        args: ['next'],
      });
      const got = chatArrives(client, 'next');
      await lab.admin.call(after.command, after.channel, after.payload);
      await got;
    }
  } finally {
    client.disconnect();
    plain.stop();
  }
}

/**
 * One hostile message on an adapter's channels: every server's receipt, what a plain server
 * does with it, and the lab serving chat afterwards.
 */
async function checkMessage(
  lab: TestLab,
  others: Socket[],
  m: HostileMessage,
  adapter: 'redis' | 'sharded',
): Promise<void> {
  let receipts: Receive[] = [];
  await checkPlainServer(lab, m, adapter, async () => {
    receipts = await receiptsOf(lab, m, ['s1', 's2', 's3']);
    return receipts[0];
  });
  for (const r of receipts) {
    expect(r).toMatchObject({ decision: m.decision, fatal: m.fatal, foreign: 'outside' });
    expect(r.via).toBe(
      adapter === 'sharded' ? 'smessage' : m.channel('x').includes('-') ? 'message' : 'pmessage',
    );
    expect(r.bytes).toBe(m.payload.length);
    if (m.reason) expect(r.reason).toContain(m.reason);
    // Whatever came in, what goes out to viewers stays small.
    expect(JSON.stringify(r).length).toBeLessThan(8_000);
  }
  await stillServes(lab, others, `after ${m.name}`);
}

describe.each(BACKENDS)('hostile traffic, classic adapter (%s)', (backend) => {
  let lab: TestLab;
  let others: Socket[];
  beforeAll(async () => {
    lab = await makeLab(backend);
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    others = [await lab.client('s2'), await lab.client('s3')];
  });
  afterAll(() => lab.close());

  it.each(HOSTILE_MESSAGES.filter((m) => m.target === 'redis').map((m) => [m.name, m] as const))(
    '%s',
    async (_name, m) => checkMessage(lab, others, m, 'redis'),
  );

  it.each(HOSTILE_MESSAGES.filter((m) => m.target === 'monitor').map((m) => [m.name, m] as const))(
    'on the monitor channel: %s',
    async (_name, m) => {
      const seen = lab.waitForEvent(
        (e) => e.kind === 'receive' && e.server === 'hub' && e.bytes === m.payload.length,
      );
      await publishHostile(lab.admin, m, lab.lab.options.monitorChannel);
      const r = (await seen) as Receive;
      expect(r).toMatchObject({ decision: m.decision, channel: lab.lab.options.monitorChannel });
      expect(r.reason).toContain(m.reason);
      await stillServes(lab, others, `after ${m.name}`);
    },
  );

  it('a forged broadcast with a 2 MB argument reaches the clients, and the trace keeps a preview', async () => {
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const payload = forgedChat(huge);
    const flow = hashFlowId(payload);
    const got = lab.waitForEvent(
      (e) => e.kind === 'client.receive' && e.client === 'c2' && e.flow === flow,
    );
    const arrives = chatArrives(others[0], huge);
    await lab.admin.publish('socket.io#/#', payload);
    await arrives;
    const receipt = await got;
    expect(JSON.stringify(receipt).length).toBeLessThan(2_000);
    const receive = await lab.waitForEvent(
      (e) => e.kind === 'receive' && e.server === 's2' && e.flow === flow,
      { past: true },
    );
    expect(receive).toMatchObject({
      decision: 'delivered',
      bytes: payload.length,
      foreign: 'outside',
    });
    expect(JSON.stringify(receive).length).toBeLessThan(8_000);
    await stillServes(lab, others, 'after a huge forged broadcast');
  });

  it("a batch of this lab's with an event no page could read is refused whole", async () => {
    const m = brokenBatchOf(lab.lab.labId);
    const seen = lab.waitForEvent(
      (e) => e.kind === 'receive' && e.server === 'hub' && e.bytes === m.payload.length,
    );
    await publishHostile(lab.admin, m, lab.lab.options.monitorChannel);
    expect(await seen).toMatchObject({ decision: 'malformed' });
    expect(((await seen) as Receive).reason).toContain(m.reason);
    expect(lab.events.some((e) => e.server === 's9')).toBe(false);
  });

  it("another lab's batches on the monitor channel are not shown, only noted", async () => {
    const batch = { v: 1, lab: 'zz9', from: 's1', events: [] };
    await lab.admin.publish(lab.lab.options.monitorChannel, JSON.stringify(batch));
    await expect
      .poll(() => lab.lab.info().otherLabs.find((l) => l.id === 'zz9'))
      .toMatchObject({ via: ['monitor'], servers: ['s1'] });
  });
});

describe.each(BACKENDS)('hostile traffic, sharded adapter (%s)', (backend) => {
  let lab: TestLab;
  let others: Socket[];
  beforeAll(async () => {
    lab = await makeLab(backend, { adapter: 'sharded', subscriptionMode: 'static' });
    for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
    others = [await lab.client('s2'), await lab.client('s3')];
  });
  afterAll(() => lab.close());

  it.each(HOSTILE_MESSAGES.filter((m) => m.target === 'sharded').map((m) => [m.name, m] as const))(
    '%s',
    async (_name, m) => checkMessage(lab, others, m, 'sharded'),
  );
});

/**
 * With the monitor off no tap wraps the adapters, and the real adapter dies of what kills a
 * plain server. The lab guards its adapters itself (server/adapters/guard.ts), monitor or not:
 * `npm start -- --monitor off` once died of one `PUBLISH socket.io#/# hi`.
 */
const MONITOR_OFF = BACKENDS.flatMap((backend) =>
  (['redis', 'sharded'] as const).map((adapter) => [backend, adapter] as const),
);
describe.each(MONITOR_OFF)(
  'hostile traffic with the monitor off (%s, %s adapter)',
  (backend, adapter) => {
    let lab: TestLab;
    let others: Socket[];
    const died: unknown[] = [];
    const onDeath = (err: unknown) => died.push(err);
    beforeAll(async () => {
      // Vitest would report an uncaught error too, after the test; this names the message.
      process.on('uncaughtException', onDeath);
      process.on('unhandledRejection', onDeath);
      lab = await makeLab(backend, {
        monitor: false,
        adapter,
        ...(adapter === 'sharded' ? { subscriptionMode: 'static' as const } : {}),
      });
      for (const server of ['s1', 's2', 's3']) await lab.lab.addClients(server, 1);
      others = [await lab.client('s2'), await lab.client('s3')];
    });
    afterAll(async () => {
      process.off('uncaughtException', onDeath);
      process.off('unhandledRejection', onDeath);
      await lab.close();
    });

    it.each(HOSTILE_MESSAGES.filter((m) => m.target === adapter).map((m) => [m.name, m] as const))(
      '%s: nothing thrown, and the servers keep serving',
      async (name, m) => {
        died.length = 0;
        await publishHostile(lab.admin, m, lab.lab.key);
        // The chat goes out after the message on the same connections, so s2 and s3 have read it.
        await stillServes(lab, others, `after ${name}`);
        expect(died.map(String)).toEqual([]);
      },
    );
  },
);
