import { describe, expect, it } from 'vitest';
import { formatId, MAX_ID, parseBound, parseId, type IdRules } from './stream-id.ts';

const id = (text: string, rules: IdRules) => {
  const parsed = parseId(Buffer.from(text, 'latin1'), rules);
  return parsed && { id: formatId(parsed.id), seqGiven: parsed.seqGiven };
};

const START: IdRules = { missingSeq: 0n, strict: false };
const XADD: IdRules = { missingSeq: 0n, strict: true, seqStar: true };
const RULES = { START, XADD };

describe('stream ids (Redis 7.0 parsing, checked against redis-server by the differential suite)', () => {
  it.each([
    ['5', 'START', '5-0'],
    ['5-3', 'START', '5-3'],
    ['-', 'START', '0-0'],
    ['+', 'START', '18446744073709551615-18446744073709551615'],
    // strtoull's leniency: a '+', leading spaces and zeros, and a '-' that wraps around.
    ['+7', 'START', '7-0'],
    [' 8', 'START', '8-0'],
    ['009-01', 'START', '9-1'],
    ['-05', 'START', null],
    ['5--05', 'START', '5-18446744073709551611'],
    [
      '18446744073709551615-18446744073709551615',
      'START',
      '18446744073709551615-18446744073709551615',
    ],
    ['18446744073709551616', 'START', null],
    ['1-x', 'START', null],
    ['', 'START', null],
    ['x', 'START', null],
    ['-', 'XADD', null],
    ['+', 'XADD', null],
    ['1-*', 'START', null],
  ] as const)('%j (%s) parses to %j', (text, rules, expected) => {
    expect(id(text, RULES[rules])?.id ?? null).toBe(expected);
  });

  it('XADD takes ms-* and leaves the sequence to the stream', () => {
    expect(id('7-*', XADD)).toEqual({ id: '7-0', seqGiven: false });
    expect(id('7', XADD)).toEqual({ id: '7-0', seqGiven: true });
  });

  it('stops at a NUL byte and refuses more than 127 bytes, as the C code does', () => {
    expect(formatId(parseId(Buffer.from('5-1\0zz'), START)!.id)).toBe('5-1');
    expect(parseId(Buffer.from('1'.repeat(128)), START)).toBeNull();
  });

  it('range bounds: a bare ms covers its whole millisecond; ( excludes, and cannot step off the ends', () => {
    const bound = (text: string, end: boolean) => {
      const b = parseBound(Buffer.from(text), end);
      return 'id' in b ? formatId(b.id) : b.error;
    };
    expect(bound('5', false)).toBe('5-0');
    expect(bound('5', true)).toBe('5-18446744073709551615');
    expect(bound('(5-1', false)).toBe('5-2');
    expect(bound('(5-0', true)).toBe('4-18446744073709551615');
    expect(bound('(', false)).toBe('ERR Invalid stream ID specified as stream command argument');
    expect(bound('(-', false)).toBe('ERR Invalid stream ID specified as stream command argument');
    expect(bound(`(${formatId(MAX_ID)}`, false)).toBe('ERR invalid start ID for the interval');
    expect(bound('(0-0', true)).toBe('ERR invalid end ID for the interval');
  });
});
