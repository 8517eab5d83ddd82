import { describe, expect, it } from 'vitest';
import { globMatch } from './glob-match.ts';

/** Channel names every pattern below is tried against. */
const subjects = [
  'hello',
  'hallo',
  'hxllo',
  'hllo',
  'heeeello',
  'h*llo',
  'h]llo',
  'h-llo',
  'a',
  'ab',
  'abc',
  'a[b',
  '[',
  '\\',
  'a\\',
  '-',
  'b',
  'e',
  'd',
  '^',
  'socket.io#/#',
  'socket.io#/#room#',
  'socket.io-request#/#',
  'x#',
  'aXbYc',
  'acb',
  'aaaaaaaaaaaaaaaaaaaaaab',
];

/**
 * What real redis-server 7.0.15 answers to PUBSUB CHANNELS <pattern> with all of `subjects`
 * subscribed (recorded from redis-cli; the integration suite re-checks a live Redis).
 */
const cases: [string, string[]][] = [
  [
    '*',
    [
      'hello',
      'hallo',
      'hxllo',
      'hllo',
      'heeeello',
      'h*llo',
      'h]llo',
      'h-llo',
      'a',
      'ab',
      'abc',
      'a[b',
      '[',
      '\\',
      'a\\',
      '-',
      'b',
      'e',
      'd',
      '^',
      'socket.io#/#',
      'socket.io#/#room#',
      'socket.io-request#/#',
      'x#',
      'aXbYc',
      'acb',
      'aaaaaaaaaaaaaaaaaaaaaab',
    ],
  ],
  ['h?llo', ['hello', 'hallo', 'hxllo', 'h*llo', 'h]llo', 'h-llo']],
  ['h*llo', ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h*llo', 'h]llo', 'h-llo']],
  ['h[ae]llo', ['hello', 'hallo']],
  ['h[^e]llo', ['hallo', 'hxllo', 'h*llo', 'h]llo', 'h-llo']],
  ['h[a-b]llo', ['hallo']],
  ['h[b-a]llo', ['hallo']],
  ['h\\*llo', ['h*llo']],
  ['h[\\]]llo', ['h]llo']],
  ['[', []],
  ['a[', []],
  ['a[b', ['ab']],
  ['\\', ['\\']],
  ['a\\', ['a\\']],
  ['ab\\', []],
  ['[^]', ['a', '[', '\\', '-', 'b', 'e', 'd', '^']],
  ['[]]', []],
  ['a*b*c', ['abc', 'aXbYc']],
  [
    '**',
    [
      'hello',
      'hallo',
      'hxllo',
      'hllo',
      'heeeello',
      'h*llo',
      'h]llo',
      'h-llo',
      'a',
      'ab',
      'abc',
      'a[b',
      '[',
      '\\',
      'a\\',
      '-',
      'b',
      'e',
      'd',
      '^',
      'socket.io#/#',
      'socket.io#/#room#',
      'socket.io-request#/#',
      'x#',
      'aXbYc',
      'acb',
      'aaaaaaaaaaaaaaaaaaaaaab',
    ],
  ],
  ['socket.io#/#*', ['socket.io#/#', 'socket.io#/#room#']],
  ['*#', ['socket.io#/#', 'socket.io#/#room#', 'socket.io-request#/#', 'x#']],
  ['?', ['a', '[', '\\', '-', 'b', 'e', 'd', '^']],
  ['a[a-]', []],
  ['[-a]', ['a', '-']],
  ['[a-c-e]', ['a', '-', 'b', 'e']],
  ['a*', ['a', 'ab', 'abc', 'a[b', 'a\\', 'aXbYc', 'acb', 'aaaaaaaaaaaaaaaaaaaaaab']],
  ['*a', ['a']],
  ['h[!e]llo', ['hello']],
  ['[\\-]', ['-']],
  ['[^a-c]', ['[', '\\', '-', 'e', 'd', '^']],
  ['a*a*a*a*a*a*c', []],
  ['h\\[^e]llo', []],
  ['[a', ['a']],
  ['[^', ['a', '[', '\\', '-', 'b', 'e', 'd', '^']],
  ['\\a', ['a']],
  ['*[', []],
  ['?[]', []],
];

describe('globMatch matches like Redis stringmatchlen', () => {
  it.each(cases)('pattern %j', (pattern, expected) => {
    expect(subjects.filter((s) => globMatch(pattern, s))).toEqual(expected);
  });

  it('treats every byte as a char, so binary names match byte for byte', () => {
    const latin1 = (b: number[]) => Buffer.from(b).toString('latin1');
    expect(globMatch(latin1([0xff, 0x2a]), latin1([0xff, 0x00, 0x80]))).toBe(true);
    expect(globMatch(latin1([0x3f]), latin1([0xc3, 0xa9]))).toBe(false);
  });

  it('stays fast on patterns that are exponential without the skip-longer-matches cut', () => {
    const started = performance.now();
    expect(globMatch('a*'.repeat(30) + 'b', 'a'.repeat(60))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
