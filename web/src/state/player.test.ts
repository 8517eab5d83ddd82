import { describe, expect, it } from 'vitest';
import { TRACE_VERSION, type LabEvent } from '../../../trace/events.ts';
import { LabScript } from '../../../trace/lab-script.ts';
import { broadcast } from '../../../trace/lab-traffic.ts';
import { parseTrace, serializeTrace } from '../../../trace/trace-file.ts';
import { Player } from './player.svelte.ts';

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
});
