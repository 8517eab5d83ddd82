import { afterEach, describe, expect, it } from 'vitest';
import { MonitorSink } from './monitor-sink.ts';
import type { Envelope, LabEvent } from '../../trace/events.ts';

const sinks: MonitorSink[] = [];
afterEach(() => sinks.splice(0).forEach((s) => s.close()));

function sink(options: Partial<ConstructorParameters<typeof MonitorSink>[0]> = {}) {
  const batches: Envelope[] = [];
  const s = new MonitorSink({
    source: 's1',
    stepOf: () => 8,
    local: (e) => batches.push(e),
    ...options,
  });
  sinks.push(s);
  return { s, batches, events: () => batches.flatMap((b) => b.events) };
}

describe('MonitorSink', () => {
  it('batches at most maxBatch events, stamps seq, t, server and step', () => {
    const { s, batches } = sink({ maxBatch: 3 });
    for (let i = 0; i < 7; i++) s.emit({ kind: 'lab.notice', topic: 'info', text: `n${i}` });
    expect(batches.map((b) => b.events.length)).toEqual([3, 3]);
    s.flush();
    const all = batches.flatMap((b) => b.events);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all.every((e) => e.server === 's1' && e.step === 8 && typeof e.t === 'number')).toBe(
      true,
    );
    expect(batches.every((b) => b.v === 1 && b.from === 's1')).toBe(true);
  });

  it('flushes a partial batch within maxDelayMs', async () => {
    const { s, batches } = sink({ maxDelayMs: 5 });
    const flushed = new Promise<void>((resolve) => {
      const at = setInterval(() => batches.length && (clearInterval(at), resolve()), 1);
    });
    s.emit({ kind: 'lab.notice', topic: 'info', text: 'x' });
    expect(batches).toHaveLength(0);
    await flushed;
    expect(batches[0].events).toHaveLength(1);
  });

  it('after a quiet spell sends at once; right after a batch it waits maxDelayMs to batch more', async () => {
    const { s, batches } = sink({ maxDelayMs: 200 });
    s.emit({ kind: 'lab.notice', topic: 'info', text: 'first' });
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(1);
    s.emit({ kind: 'lab.notice', topic: 'info', text: 'second' });
    s.emit({ kind: 'lab.notice', topic: 'info', text: 'third' });
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(batches.map((b) => b.events.length)).toEqual([1, 2]);
  });

  it('switches to sampled detail over budget, keeps whole flows, says so, and counters stay exact', () => {
    const { s, events } = sink({ detailPerSecond: 20, sampleOneIn: 4, maxBatch: 10_000 });
    for (let i = 0; i < 400; i++) {
      s.count('publish');
      s.countReceipt('delivered');
      s.emit({
        kind: 'client.emit',
        flow: `s1-${i}`,
        socketId: 'x',
        event: 'chat message',
        args: [],
        bytes: 1,
      });
      s.emit({
        kind: 'publish',
        flow: `s1-${i}`,
        command: 'PUBLISH',
        channel: 'socket.io#/#',
        bytes: 1,
        pubId: i,
      });
    }
    s.close();
    const all = events();
    const mode = all.filter(
      (e): e is Extract<LabEvent, { kind: 'monitor.mode' }> => e.kind === 'monitor.mode',
    );
    expect(mode[0]).toMatchObject({ mode: 'sampled' });
    const kept = new Map<string, number>();
    for (const e of all) if (e.flow) kept.set(e.flow, (kept.get(e.flow) ?? 0) + 1);
    // A kept flow keeps both of its events, and far fewer than all 400 flows are kept.
    expect([...kept.values()].every((n) => n === 2)).toBe(true);
    expect(kept.size).toBeLessThan(150);
    const counters = all
      .filter((e): e is Extract<LabEvent, { kind: 'counters' }> => e.kind === 'counters')
      .at(-1)!;
    expect(counters.publishes).toBe(400);
    expect(counters.receipts.delivered).toBe(400);
    expect(counters.skipped).toBe(800 - kept.size * 2);
  });

  it('bounds the batches waiting for Redis and counts what could not be published', async () => {
    const pending: (() => void)[] = [];
    const { s, batches } = sink({
      maxBatch: 1,
      maxInFlight: 2,
      publish: () => new Promise<void>((r) => pending.push(r)),
    });
    for (let i = 0; i < 5; i++) s.emit({ kind: 'lab.notice', topic: 'info', text: `n${i}` });
    expect(pending).toHaveLength(2);
    expect(s.unpublished).toBe(3);
    // Local viewers got every batch regardless.
    expect(batches).toHaveLength(5);
    pending.forEach((r) => r());
  });
});
