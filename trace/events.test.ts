import { describe, expect, it } from 'vitest';
import { defaultStep, EVENT_KINDS } from './events.ts';
import { randomLab } from './random-lab.ts';

describe('event kinds and their steps', () => {
  it('lists every kind a lab reports, once', () => {
    const { script } = randomLab(5, 60);
    const seen = new Set(script.events.map((e) => e.kind));
    for (const kind of seen) expect(EVENT_KINDS).toContain(kind);
    expect(new Set(EVENT_KINDS).size).toBe(EVENT_KINDS.length);
  });

  it('gives the step the walkthrough tells each event in', () => {
    const sub = { kind: 'redis.command', role: 'sub', args: ['socket.io#/#*'] } as const;
    expect(defaultStep({ ...sub, command: 'PSUBSCRIBE' })).toBe(5);
    expect(defaultStep({ ...sub, command: 'SSUBSCRIBE' })).toBe(5);
    expect(defaultStep({ ...sub, command: 'PUBSUB' })).toBe(8);
    const deliver = { kind: 'deliver', nsp: '/', event: 'chat', sockets: [], count: 0 } as const;
    expect(defaultStep({ ...deliver, origin: 'local' })).toBe(8);
    expect(defaultStep({ ...deliver, origin: 'remote' })).toBe(9);
    expect(defaultStep({ kind: 'room.join', socketId: 'x', room: 'blue' })).toBe(3);
    expect(defaultStep({ kind: 'lab.notice', topic: 'info', text: 'hi' })).toBe(1);
    // What the source says wins.
    expect(defaultStep({ kind: 'lab.notice', topic: 'info', text: 'hi', step: 4 })).toBe(4);
  });
});
