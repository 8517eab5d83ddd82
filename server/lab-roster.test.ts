import { describe, expect, it } from 'vitest';
import { parseRosterMessage, rosterChannel } from './lab-roster.ts';

const here = (servers: unknown) => JSON.stringify({ v: 1, type: 'here', from: 'p1', servers });

describe('parseRosterMessage', () => {
  it('reads the three messages', () => {
    expect(parseRosterMessage(JSON.stringify({ v: 1, type: 'roll-call', from: 'p1' }))).toEqual({
      type: 'roll-call',
      from: 'p1',
    });
    expect(parseRosterMessage(JSON.stringify({ v: 1, type: 'leaving', from: 'p1' }))).toEqual({
      type: 'leaving',
      from: 'p1',
    });
    expect(
      parseRosterMessage(here([{ id: 's4', port: 4004, state: 'up', clients: 2, extra: 'x' }])),
    ).toEqual({
      type: 'here',
      from: 'p1',
      servers: [{ id: 's4', port: 4004, state: 'up', clients: 2 }],
    });
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['JSON that is not an object', '42'],
    ['null', 'null'],
    ['a newer version', JSON.stringify({ v: 2, type: 'roll-call', from: 'p1' })],
    ['no sender', JSON.stringify({ v: 1, type: 'roll-call' })],
    ['a sender too long', JSON.stringify({ v: 1, type: 'roll-call', from: 'x'.repeat(65) })],
    ['an unknown type', JSON.stringify({ v: 1, type: 'shutdown', from: 'p1' })],
    ['here without servers', JSON.stringify({ v: 1, type: 'here', from: 'p1' })],
    [
      'a message over 16 KiB',
      here([{ id: 's4', port: 1, state: 'up', clients: 0, pad: 'x'.repeat(17_000) }]),
    ],
  ])('ignores %s', (_what, raw) => {
    expect(parseRosterMessage(raw)).toBeNull();
  });

  it('keeps only well-formed servers, and at most 20 of them', () => {
    const bad = [
      { id: '<b>', port: 4004, state: 'up', clients: 0 },
      { id: 's5', port: 70_000, state: 'up', clients: 0 },
      { id: 's6', port: 4006, state: 'on fire', clients: 0 },
      { id: 's7', port: 4007, state: 'up', clients: -1 },
      { id: 's8', port: '4008', state: 'up', clients: 0 },
      null,
    ];
    expect(parseRosterMessage(here(bad))).toMatchObject({ servers: [] });
    const many = Array.from({ length: 50 }, (_, i) => ({
      id: `s${i}`,
      port: 5000 + i,
      state: 'up',
      clients: 0,
    }));
    expect((parseRosterMessage(here(many)) as { servers: unknown[] }).servers).toHaveLength(20);
  });

  it('lives beside the monitor channel', () => {
    expect(rosterChannel('lab:monitor')).toBe('lab:monitor:roster');
  });
});
