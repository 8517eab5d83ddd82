import { describe, expect, it } from 'vitest';
import { defaultStep, EVENT_KINDS, type StepDraft } from './events.ts';
import { randomLab } from './sim/random-lab.ts';

describe('event kinds and their steps', () => {
  it('lists every kind a lab reports, once', () => {
    const { script } = randomLab(5, 60);
    const seen = new Set(script.events.map((e) => e.kind));
    for (const kind of seen) expect(EVENT_KINDS).toContain(kind);
    expect(new Set(EVENT_KINDS).size).toBe(EVENT_KINDS.length);
  });

  it('gives the step the walkthrough tells each event in', () => {
    const sub = (command: string): StepDraft => ({
      kind: 'redis.command',
      role: 'sub',
      command,
      args: ['socket.io#/#*'],
    });
    expect(defaultStep(sub('PSUBSCRIBE'))).toBe(5);
    expect(defaultStep(sub('SSUBSCRIBE'))).toBe(5);
    expect(defaultStep(sub('PUBSUB'))).toBe(8);
    const deliver = (origin: 'local' | 'remote'): StepDraft => ({
      kind: 'deliver',
      origin,
      event: 'chat',
      rooms: [],
      except: [],
      sockets: [],
      count: 0,
    });
    expect(defaultStep(deliver('local'))).toBe(8);
    expect(defaultStep(deliver('remote'))).toBe(9);
    expect(defaultStep({ kind: 'room.join', socketId: 'x', room: 'blue' })).toBe(3);
    expect(defaultStep({ kind: 'lab.notice', topic: 'info', text: 'hi' })).toBe(1);
    const http = (transport: string): StepDraft => ({
      kind: 'http.request',
      what: 'poll',
      method: 'GET',
      transport,
      status: 200,
      ms: 1,
    });
    expect(defaultStep(http('polling'))).toBe('1a');
    expect(defaultStep(http('websocket'))).toBe('1b');
    expect(
      defaultStep({ kind: 'transport.upgrade', sid: 'x', from: 'polling', to: 'websocket' }),
    ).toBe('1b');
    // What the source says wins.
    expect(defaultStep({ kind: 'lab.notice', topic: 'info', text: 'hi', step: 4 })).toBe(4);
  });
});
