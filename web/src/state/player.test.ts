import { afterEach, describe, expect, it, vi } from 'vitest';
import { TRACE_VERSION, type LabEvent } from '../../../trace/events.ts';
import { LabScript } from '../../../trace/sim/lab-script.ts';
import { broadcast } from '../../../trace/sim/lab-traffic.ts';
import { reduceAll } from '../../../trace/reducer.ts';
import { parseTrace, serializeTrace } from '../../../trace/trace-file.ts';
import { HOP_MS, Player } from './player.svelte.ts';

function lab() {
  const s = new LabScript().serverUp('s1').serverUp('s2').connect('c1', 's1').connect('c2', 's2');
  const before = s.events.length;
  const flow = broadcast(s, 'c1')!;
  return { s, before, flow };
}

function feed(player: Player, events: LabEvent[]) {
  player.receive({ v: TRACE_VERSION, from: 'test', events });
  player.flush();
}

describe('Player', () => {
  it('live follows every event; pausing keeps recording without moving the stage', () => {
    const { s } = lab();
    const p = new Player();
    feed(p, s.events.slice(0, 10));
    expect(p.live).toBe(true);
    p.pause();
    const cursor = p.cursor;
    feed(p, s.events.slice(10));
    expect(p.cursor).toBe(cursor);
    expect(p.events().length).toBe(s.events.length);
    p.goLive();
    expect(p.cursor).toBe(s.events.length - 1);
  });

  it("starts from the hub's snapshot when it has recorded nothing, and exports from it", () => {
    const { s, before } = lab();
    const snapshot = reduceAll(s.events.slice(0, before));
    const p = new Player();
    p.receiveHistory(s.events.slice(before), snapshot);
    expect(Object.keys(p.state.clients).sort()).toEqual(['c1', 'c2']);
    expect(p.exportParts().snapshot?.clients).toEqual(snapshot.clients);
    // A reconnect's hello finds a recording: the page keeps its own and takes no snapshot.
    p.receiveHistory([], reduceAll(new LabScript().serverUp('s9').events));
    expect(Object.keys(p.state.servers).sort()).toEqual(['s1', 's2']);
  });

  it('steps one hop back and forward, skipping counters', () => {
    const { s } = lab();
    s.counters();
    const p = new Player();
    p.receiveHistory(s.events);
    p.pause();
    const last = p.cursor;
    expect(p.stepBack()).toBe(true);
    const lastHop = p.cursor;
    expect(p.events()[lastHop].kind).not.toBe('counters');
    expect(lastHop).toBeLessThan(last);
    expect(p.stepBack()).toBe(true);
    const before = p.cursor;
    expect(p.stepForward()).toBe(true);
    expect(p.cursor).toBe(lastHop);
    // Only counters follow the last hop: nowhere further to step.
    expect(p.stepForward()).toBe(false);
    expect(p.stepBack()).toBe(true);
    expect(p.cursor).toBe(before);
  });

  it('following a message visits only its hops, in causal order', () => {
    const { s, flow } = lab();
    const p = new Player();
    p.receiveHistory(s.events);
    p.followFlow(flow);
    const kinds = [p.current!.kind];
    while (p.stepForward()) kinds.push(p.current!.kind);
    expect(kinds[0]).toBe('client.emit');
    expect(kinds.slice(0, 4)).toEqual(['client.emit', 'publish', 'deliver', 'publish.result']);
    expect(kinds.at(-1)).toBe('client.receive');
    const steps = p.events().filter((e) => e.flow === flow).length;
    expect(kinds).toHaveLength(steps);
  });

  it('drops events it has seen (a reconnect repeats the history)', () => {
    const { s } = lab();
    const p = new Player();
    p.receiveHistory(s.events);
    p.receiveHistory(s.events);
    feed(p, s.events);
    expect(p.events()).toHaveLength(s.events.length);
  });

  it('opens an exported trace in the viewer and returns to the live recording', () => {
    const { s, before } = lab();
    const live = new Player();
    live.receiveHistory(s.events.slice(0, before));
    const text = serializeTrace({ ...live.exportParts(), exportedAt: '2026-11-28T08:00:00Z' });
    live.receiveHistory(s.events.slice(before));
    const p = new Player();
    p.receiveHistory(s.events);
    p.openFile(parseTrace(text), 'class.json');
    expect(p.viewer).toBe('class.json');
    expect(p.length).toBe(before);
    expect(p.current?.kind).toBe('server.up');
    p.closeFile();
    expect(p.live).toBe(true);
    expect(p.length).toBe(s.events.length);
  });

  describe('at class pace', () => {
    afterEach(() => vi.useRealTimers());

    it('plays a message beat by beat while the next one waits; pausing stops on the beat shown', () => {
      vi.useFakeTimers();
      const { s, before, flow } = lab();
      const second = broadcast(s, 'c2')!;
      const p = new Player();
      p.receiveHistory(s.events.slice(0, before));
      p.setPace('class');
      p.takeHops();
      feed(p, s.events.slice(before));
      // The first beat plays at once: c1's emit, held on the stage.
      expect(p.takeHops().map((h) => [h.event.kind, h.held, h.beat])).toEqual([
        ['client.emit', true, true],
      ]);
      expect([p.classPace.playing, p.classPace.waiting]).toEqual([flow, 1]);
      expect(p.current?.kind).toBe('client.emit');
      vi.advanceTimersByTime(HOP_MS);
      expect(p.current?.kind).toBe('publish');
      expect(p.beat?.map((e) => e.kind)).toEqual(['publish']);
      vi.advanceTimersByTime(3 * HOP_MS);
      // Redis's copies to both servers are one beat.
      expect(p.beat?.map((e) => `${e.kind}:${e.server}`)).toEqual(['receive:s1', 'receive:s2']);
      p.pause();
      expect(p.current?.kind).toBe('receive');
      // Paused on the beat's last hop, not on the newest event recorded behind the queue.
      const shown = p.at(p.cursor)!;
      expect([shown.kind, shown.server]).toEqual(['receive', 's2']);
      expect(p.cursor).toBeLessThan(p.lastIndex);
      expect(p.classPace.waiting).toBe(0);
      expect(second).toBeTruthy();
    });
  });
});
