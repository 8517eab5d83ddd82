import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../trace/events.ts';
import { Absence, BroadcastLog, type Gap } from './missed-messages.ts';

let seq = 0;
function deliver(
  t: number,
  flow: string,
  server: string,
  event = 'chat message',
  rooms: string[] = [],
): LabEvent {
  return {
    kind: 'deliver',
    seq: seq++,
    t,
    server,
    step: 9,
    flow,
    origin: 'remote',
    event,
    rooms,
    except: [],
    sockets: [],
    count: 3,
  };
}

const away = (from: number, to: number, server = 's2'): Gap => ({ kind: 'away', server, from, to });
const cut = (from: number, to: number, server = 's2'): Gap => ({ kind: 'cut', server, from, to });

describe('BroadcastLog', () => {
  it('counts each broadcast once, however many servers delivered it, inside the gap only', () => {
    const log = new BroadcastLog();
    for (const [t, flow] of [
      [100, 'f1'],
      [200, 'f2'],
      [300, 'f3'],
      [400, 'f4'],
    ] as const) {
      log.see(deliver(t, flow, 's1'));
      log.see(deliver(t + 1, flow, 's3'));
    }
    expect(log.missed([away(150, 350)], [])).toEqual({ count: 2, about: false, atLeast: false });
    expect(log.missed([], []).count).toBe(0);
  });

  it('while cut off, counts only what other servers delivered without its server', () => {
    const log = new BroadcastLog();
    log.see(deliver(100, 'from-s1', 's1'));
    log.see(deliver(110, 'from-s2', 's2'));
    log.see(deliver(120, 'everywhere', 's1'));
    log.see(deliver(121, 'everywhere', 's2'));
    expect(log.missed([cut(0, 1000)], []).count).toBe(1);
    expect(log.missed([away(0, 1000)], []).count).toBe(3);
    // Overlapping gaps count a broadcast once.
    expect(log.missed([cut(0, 1000), away(50, 150)], []).count).toBe(3);
  });

  it('counts room messages only for the rooms the phone was in, and nothing else', () => {
    const log = new BroadcastLog();
    log.see(deliver(100, 'r1', 's1', 'room message', ['green']));
    log.see(deliver(110, 'r2', 's1', 'room message', ['blue']));
    log.see(deliver(120, 'p', 's1', 'server ping'));
    expect(log.missed([away(0, 1000)], ['green']).count).toBe(1);
    expect(log.missed([away(0, 1000)], []).count).toBe(0);
  });

  it('says "about" when the monitor was sampling, each kept flow standing for its 1 in N', () => {
    const log = new BroadcastLog();
    log.see(deliver(100, 'f1', 's1'));
    log.see({
      kind: 'monitor.mode',
      seq: seq++,
      t: 150,
      server: 's1',
      step: 1,
      mode: 'sampled',
      oneIn: 10,
      reason: 'load',
    });
    log.see(deliver(200, 'f2', 's1'));
    expect(log.missed([away(0, 1000)], [])).toEqual({ count: 11, about: true, atLeast: false });
  });

  it('says "at least" for a gap older than what it remembers', () => {
    const log = new BroadcastLog(2);
    for (let i = 0; i < 5; i++) log.see(deliver(100 * i, `f${i}`, 's1'));
    expect(log.size).toBe(2);
    expect(log.missed([away(0, 1000)], [])).toEqual({ count: 2, about: false, atLeast: true });
    expect(log.missed([away(350, 1000)], []).atLeast).toBe(false);
  });
});

describe('Absence', () => {
  it('is away while either gap is open, and hands over the gaps once', () => {
    const a = new Absence();
    a.start('away', 's2', 10);
    a.start('cut', 's2', 20);
    a.start('away', 's2', 30);
    a.end('away', 40);
    expect(a.away).toBe(true);
    a.end('cut', 50);
    expect(a.away).toBe(false);
    expect(a.take()).toEqual([away(10, 40), cut(20, 50)]);
    expect(a.take()).toEqual([]);
  });
});
