import { afterEach, describe, expect, it, vi } from 'vitest';
import { MonitorSink, type DraftEvent } from './monitor-sink.ts';
import { BATCH_MS, SamplingGroup } from '../../trace/sampling.ts';
import { TRACE_VERSION, type Envelope, type LabEvent } from '../../trace/events.ts';

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

/** A local delivery event of one flow, the most frequent kind a server reports. */
function deliverOf(flow: string): DraftEvent {
  return {
    kind: 'deliver',
    flow,
    origin: 'local',
    event: 'e',
    count: 1,
    sockets: [],
    rooms: [],
    except: [],
  };
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
    expect(batches.every((b) => b.v === TRACE_VERSION && b.from === 's1')).toBe(true);
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
    s.emit(deliverOf('s1-1'));
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(1);
    s.emit(deliverOf('s1-2'));
    s.emit(deliverOf('s1-3'));
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(batches.map((b) => b.events.length)).toEqual([1, 2]);
  });

  it('a change to the lab (an event without a flow) goes out at once, with the flows waiting', async () => {
    const { s, batches } = sink({ maxDelayMs: 200 });
    s.emit(deliverOf('s1-1'));
    await new Promise((r) => setImmediate(r));
    s.emit(deliverOf('s1-2'));
    s.emit({ kind: 'client.connect', socketId: 'abc', transport: 'websocket' });
    await new Promise((r) => setImmediate(r));
    // Not after maxDelayMs: the connect took the waiting flow event with it.
    expect(batches.map((b) => b.events.map((e) => e.kind))).toEqual([
      ['deliver'],
      ['deliver', 'client.connect'],
    ]);
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
    // A kept flow keeps both of its events, but for at most one per change of level (it can
    // fall between its two events); far fewer than all 400 flows are kept.
    expect([...kept.values()].filter((n) => n !== 2).length).toBeLessThanOrEqual(mode.length);
    expect(kept.size).toBeLessThan(150);
    const counters = all
      .filter((e): e is Extract<LabEvent, { kind: 'counters' }> => e.kind === 'counters')
      .at(-1)!;
    expect(counters.publishes).toBe(400);
    expect(counters.receipts.delivered).toBe(400);
    expect(counters.skipped).toBe(800 - [...kept.values()].reduce((a, b) => a + b, 0));
  });

  /** A sink on a fake clock, and a driver that offers `perSecond` deliver events for `seconds`. */
  function clocked() {
    let now = 0;
    let flow = 0;
    const made = sink({
      detailPerSecond: 1000,
      sampleOneIn: 10,
      maxBatch: 1_000_000,
      now: () => now,
    });
    const load = (perSecond: number, seconds: number) => {
      for (let ms = 1; ms <= seconds * 1000; ms++) {
        now++;
        const due = Math.floor((ms * perSecond) / 1000) - Math.floor(((ms - 1) * perSecond) / 1000);
        for (let k = 0; k < due; k++) {
          made.s.emit(deliverOf(`s1-${++flow}`));
        }
      }
      made.s.flush();
    };
    const modes = () =>
      made
        .events()
        .filter((e): e is Extract<LabEvent, { kind: 'monitor.mode' }> => e.kind === 'monitor.mode');
    return { ...made, load, modes, lastFlow: () => flow };
  }

  it('under a steady load over budget stays sampled, and goes back to detail once load falls', () => {
    const { events, load, modes, lastFlow } = clocked();
    load(3000, 5); // three times the budget
    const afterOverload = events().length;
    load(300, 2); // under half of it
    // One switch each way, not one per token as a plain token bucket would flap.
    expect(modes().map((m) => [m.mode, m.oneIn])).toEqual([
      ['sampled', 10],
      ['detail', 1],
    ]);
    // Sampled: about one flow in ten of the 15000 (plus the burst before the switch).
    expect(afterOverload).toBeGreaterThan(1000);
    expect(afterOverload).toBeLessThan(2500);
    // Back in detail, the last second's 300 flows are all there.
    const last = events()
      .filter((e) => e.kind === 'deliver')
      .slice(-300);
    expect(last.map((e) => Number(e.flow!.slice(3)))).toEqual(
      Array.from({ length: 300 }, (_, i) => lastFlow() - 299 + i),
    );
  });

  it('keeps one flow in 100 when one in 10 is still over budget, and steps back down', () => {
    const { events, load, modes } = clocked();
    load(30_000, 2); // thirty times the budget: one in 10 would still be three times over
    const kept = events().filter((e) => e.kind === 'deliver');
    load(300, 2);
    // Up one level at a time; down in one change, once the lower load has held for a second.
    expect(modes().map((m) => m.oneIn)).toEqual([10, 100, 1]);
    // About 600 of the 60000 (1 in 100), plus what went through before each step up.
    expect(kept.length).toBeGreaterThan(500);
    expect(kept.length).toBeLessThan(1200);
    // Nested: every flow kept at 1 in 100 is one a server at 1 in 10 keeps too.
    const late = kept.slice(-300).map((e) => e.flow!);
    const atTen = clocked();
    atTen.load(3000, 1);
    expect(late.length).toBeGreaterThan(0);
    for (const flow of late) expect(atTen.s.wantsDetail(flow)).toBe(true);
  });

  it('a load that wavers around the limit changes the level about once a second at most', () => {
    const { load, modes } = clocked();
    // Every quarter second, twice the budget then a fifth of it: each window alone would
    // say "up" then "down", four changes a second.
    for (let i = 0; i < 20; i++) {
      load(2000, 0.25);
      load(200, 0.25);
    }
    expect(modes().length).toBeGreaterThan(0);
    expect(modes().length).toBeLessThanOrEqual(11);
  });

  it('sinks of one group sample at the level the busiest needs, keep the same flows, and come back together', () => {
    let now = 0;
    const group = new SamplingGroup();
    const opts = { detailPerSecond: 1000, sampleOneIn: 10, maxBatch: 1_000_000, now: () => now };
    const busy = sink({ ...opts, source: 's1', group });
    const quiet = sink({ ...opts, source: 's2', group });
    let flow = 0;
    // s1 offers 3000 events a second, s2 one event for every tenth of them (300/s: under budget).
    const load = (seconds: number, busyPerMs: number) => {
      for (let ms = 0; ms < seconds * 1000; ms++) {
        now++;
        for (let k = 0; k < busyPerMs; k++) {
          const id = `s1-${++flow}`;
          busy.s.emit(deliverOf(id));
          if (flow % 10 === 0) quiet.s.emit(deliverOf(id));
        }
      }
      busy.s.flush();
      quiet.s.flush();
    };
    load(2, 3);
    const modesOf = (made: typeof busy) =>
      made
        .events()
        .filter((e): e is Extract<LabEvent, { kind: 'monitor.mode' }> => e.kind === 'monitor.mode');
    expect(modesOf(busy).map((m) => m.oneIn)).toEqual([10]);
    expect(modesOf(quiet).map((m) => m.oneIn)).toEqual([10]);
    expect(modesOf(quiet)[0].reason).toMatch(/^s1 is over its budget/);
    // After the switch, s2 keeps exactly the flows s1 keeps (of those it sees).
    const since = (made: typeof busy) =>
      made
        .events()
        .filter((e) => e.kind === 'deliver' && e.seq > modesOf(made)[0].seq)
        .map((e) => e.flow!);
    const keptByBusy = new Set(since(busy));
    const keptByQuiet = since(quiet);
    expect(keptByQuiet.length).toBeGreaterThan(20);
    for (const id of keptByQuiet) expect(keptByBusy.has(id)).toBe(true);
    // A source that starts now says at once that it samples.
    const late = sink({ ...opts, source: 's3', group });
    late.s.flush();
    expect(modesOf(late).map((m) => [m.mode, m.oneIn])).toEqual([['sampled', 10]]);
    late.s.close();
    // s1 calms down: every source goes back to full detail.
    load(1, 0);
    busy.s.emit(deliverOf('s1-last'));
    busy.s.flush();
    quiet.s.flush();
    expect(modesOf(busy).map((m) => m.oneIn)).toEqual([10, 1]);
    expect(modesOf(quiet).map((m) => m.oneIn)).toEqual([10, 1]);
  });

  it('a sampling source that stops leaves the rest of its group in full detail', () => {
    let now = 0;
    const group = new SamplingGroup();
    const opts = { detailPerSecond: 4, maxBatch: 10_000, now: () => now };
    const busy = sink({ ...opts, source: 's1', group });
    const quiet = sink({ ...opts, source: 's2', group });
    for (let i = 0; i < 20; i++) busy.s.emit(deliverOf(`s1-${i}`)); // a window's budget is one event
    expect(quiet.s.mode).toBe('sampled');
    now += 1000;
    busy.s.close();
    expect(quiet.s.mode).toBe('detail');
    expect(quiet.s.oneIn).toBe(1);
  });

  it('comes back to full detail after a burst even if no event follows it', () => {
    vi.useFakeTimers();
    try {
      const { s, events } = sink({ detailPerSecond: 4, maxBatch: 10_000 });
      for (let i = 0; i < 20; i++) s.emit(deliverOf(`s1-${i}`)); // a window's budget is one event
      expect(s.mode).toBe('sampled');
      vi.advanceTimersByTime(1000); // the burst's own window: 20 events a second is not calm
      expect(s.mode).toBe('sampled');
      vi.advanceTimersByTime(1000); // a second with nothing in it
      expect(s.mode).toBe('detail');
      s.flush();
      const modes = events().filter((e) => e.kind === 'monitor.mode');
      // Up a level or two during the burst, then straight back: the quiet second is 4 calm windows.
      expect(modes[0].mode).toBe('sampled');
      expect(modes.slice(1, -1).every((m) => m.mode === 'sampled')).toBe(true);
      expect(modes.at(-1)).toMatchObject({ mode: 'detail', oneIn: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('under a steady 50 flows a second sends a batch every BATCH_MS, not one per flow', () => {
    vi.useFakeTimers();
    try {
      // The sink's own default pacing: nothing passed but the budget, so no flow is sampled.
      const { s, batches } = sink({ detailPerSecond: 10_000 });
      s.emit(deliverOf('s1-0'));
      vi.advanceTimersByTime(0);
      // The first flow after a quiet spell goes out at once.
      expect(batches).toHaveLength(1);
      for (let i = 1; i < 50; i++) {
        vi.advanceTimersByTime(20);
        s.emit(deliverOf(`s1-${i}`));
      }
      vi.advanceTimersByTime(BATCH_MS);
      expect(batches.flatMap((b) => b.events)).toHaveLength(50);
      // One second of traffic: about 1000 / BATCH_MS batches, where one per flow would be 50.
      expect(batches.length).toBeLessThanOrEqual(Math.ceil(1000 / BATCH_MS) + 1);
      expect(batches.length).toBeGreaterThanOrEqual(Math.floor(1000 / (2 * BATCH_MS)));
    } finally {
      vi.useRealTimers();
    }
  });

  it('sampled, sends batches half as often', () => {
    vi.useFakeTimers();
    try {
      const { s, batches } = sink({ maxDelayMs: 10, detailPerSecond: 4, maxBatch: 10_000 });
      for (let i = 0; i < 20; i++) s.emit(deliverOf(`s1-${i}`)); // a window's budget is one event
      expect(s.mode).toBe('sampled');
      s.flush();
      const sent = batches.length;
      // Recorded as kept (a flow event that passed its offer), so it waits for the batch.
      s.record(deliverOf('after'));
      vi.advanceTimersByTime(15);
      // In full detail it would have gone out after 10 ms.
      expect(batches).toHaveLength(sent);
      vi.advanceTimersByTime(10);
      expect(batches).toHaveLength(sent + 1);
    } finally {
      vi.useRealTimers();
    }
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
