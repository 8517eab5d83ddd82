import { describe, expect, it } from 'vitest';
import type { PhoneView } from '../../../trace/phone-protocol.ts';
import { missedText, routeOf, statusOf } from './phone-words.ts';

const view = (patch: Partial<PhoneView>): PhoneView => ({
  id: 'st1',
  name: 'Ada',
  server: 's2',
  port: 4002,
  serverState: 'up',
  link: 'ok',
  chat: 'open',
  vote: null,
  ...patch,
});

describe('statusOf', () => {
  it.each([
    ['connecting', null, 'Connecting to s2…', 'warn'],
    ['connected', view({}), 'Connected to s2.', 'ok'],
    [
      'connected',
      view({ link: 'lost' }),
      'Your server s2 is cut off from Redis: you only hear the phones on s2.',
      'warn',
    ],
    ['away', view({ serverState: 'down' }), 'Your server s2 is down, reconnecting…', 'bad'],
    ['away', view({ serverState: 'crashed' }), 'Your server s2 is down, reconnecting…', 'bad'],
    [
      'away',
      view({ serverState: 'gone' }),
      'Your server s2 was removed; waiting for another to move to…',
      'bad',
    ],
    ['away', view({}), 'Lost the connection to s2, reconnecting…', 'bad'],
  ] as const)('%s with %j says %j', (state, v, text, tone) => {
    expect(statusOf(state, v, 's2')).toEqual({ text, tone });
  });
});

describe('missedText', () => {
  it.each([
    [
      { count: 3, about: false, atLeast: false, seconds: 12 },
      'You are back (12 s). Meanwhile the others got 3 messages that never reached you.',
    ],
    [
      { count: 1, about: false, atLeast: false, seconds: 0 },
      'You are back. Meanwhile the others got 1 message that never reached you.',
    ],
    [
      { count: 40, about: true, atLeast: false, seconds: 5 },
      'You are back (5 s). Meanwhile the others got about 40 messages that never reached you.',
    ],
    [
      { count: 9, about: false, atLeast: true, seconds: 900 },
      'You are back (900 s). Meanwhile the others got at least 9 messages that never reached you.',
    ],
    [
      { count: 0, about: false, atLeast: false, seconds: 3 },
      'You are back (3 s), and you missed nothing.',
    ],
    [
      { count: null, about: false, atLeast: false, seconds: 3 },
      "You are back (3 s). The lab's monitor is off, so nothing counted what you missed.",
    ],
  ])('%j', (report, text) => {
    expect(missedText(report)).toBe(text);
  });
});

describe('routeOf', () => {
  it('names both servers when the message crossed Redis', () => {
    expect(routeOf({ from: 's1', via: 's2' })).toBe('s1 → Redis → s2');
    expect(routeOf({ from: 's2', via: 's2' })).toBe('via s2');
    expect(routeOf({ via: 's3' })).toBe('via s3');
  });
});
