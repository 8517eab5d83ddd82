import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { BACKENDS, redisFor } from '../support/lab-fixture.ts';
import { RedisTap } from '../../server/monitor/redis-tap.ts';
import { MonitorSink } from '../../server/monitor/monitor-sink.ts';
import { LabTapState } from '../../server/monitor/lab-tap-state.ts';
import type { LabEvent } from '../../trace/events.ts';

const connections: Redis[] = [];
afterAll(() => connections.forEach((c) => c.disconnect()));

describe.each(BACKENDS)('the Redis tap on a sub connection (%s)', (backend) => {
  it('reports a message no adapter hook claimed as ignored, once, and claimed ones not at all', async () => {
    const { url } = await redisFor(backend);
    const events: LabEvent[] = [];
    const sink = new MonitorSink({
      source: 's9',
      stepOf: () => 9,
      local: (e) => events.push(...e.events),
    });
    const tap = new RedisTap({
      id: 's9',
      lab: 'test',
      sink,
      family: 'classic',
      state: new LabTapState(),
      emit: (d) => sink.emit(d),
    });
    const sub = new Redis(url);
    const pub = new Redis(url);
    connections.push(sub, pub);
    tap.attach(sub, 'sub');
    // Stands in for an adapter: it claims what arrives on its own channel, in the same tick.
    let lastSeen = '';
    const done = new Promise<void>((resolve) =>
      sub.on('messageBuffer', (channel: Buffer, msg: Buffer) => {
        if (String(channel) !== 'mine') return;
        tap.claim(msg);
        lastSeen = String(msg);
        if (lastSeen === 'end') resolve();
      }),
    );
    await sub.subscribe('mine', 'stray');
    // Several in one read, claimed and not.
    await Promise.all([
      pub.publish('mine', 'a'),
      pub.publish('stray', 'b'),
      pub.publish('mine', 'c'),
      pub.publish('stray', 'd'),
    ]);
    await pub.publish('mine', 'end');
    await done;
    await new Promise((r) => setImmediate(r));
    sink.close();
    const receipts = events.filter((e) => e.kind === 'receive');
    expect(receipts.map((e) => [e.channel, e.decision, e.bytes])).toEqual([
      ['stray', 'ignored', 1],
      ['stray', 'ignored', 1],
    ]);
    expect(sink.counts.receipts).toEqual({ ignored: 2 });
  });
});
