import { describe, expect, it } from 'vitest';
import { checkNickname, sameNickname } from './nickname.ts';

describe('checkNickname', () => {
  it.each([
    ['Ada', 'Ada'],
    ['  Grace   Hopper ', 'Grace Hopper'],
    ['<b>Bob</b>', '<b>Bob</b>'],
    ['Zoë 🚀', 'Zoë 🚀'],
    ['x'.repeat(20), 'x'.repeat(20)],
    // Twenty emoji are twenty characters, though forty UTF-16 units.
    ['😀'.repeat(20), '😀'.repeat(20)],
    ['c1x', 'c1x'],
  ])('keeps %j as %j', (raw, name) => {
    expect(checkNickname(raw)).toEqual({ name });
  });

  it.each([
    [undefined, /as "name"/],
    [42, /as "name"/],
    ['', /1 to 20/],
    ['   ', /1 to 20/],
    ['x'.repeat(21), /21 characters/],
    ['a\u0000b', /invisible/],
    ['Ada\u202e', /invisible/],
    ['Bo\u200bb', /invisible/],
    ['c1', /lab's own names/],
    ['P12', /lab's own names/],
    ['s3', /lab's own names/],
  ])('refuses %j with a sentence', (raw, sentence) => {
    const result = checkNickname(raw);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(sentence);
  });
});

describe('sameNickname', () => {
  it('treats case and accents as the same name, other letters as another', () => {
    expect(sameNickname('Ada', 'ada')).toBe(true);
    expect(sameNickname('Zoe', 'Zoë')).toBe(true);
    expect(sameNickname('Ada', 'Adam')).toBe(false);
  });
});
