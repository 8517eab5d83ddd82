import { describe, expect, it } from 'vitest';
import { holdsSlot, keySlot, parseSlots } from './cluster-slots.ts';

describe('keySlot', () => {
  it('matches the slots the Redis Cluster spec gives', () => {
    // From the cluster spec and CLUSTER KEYSLOT's documentation.
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('bar{hash_tag}')).toBe(2515);
  });

  it('hashes only a non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });
});

describe('slot ranges', () => {
  it('reads ranges and single slots', () => {
    expect(parseSlots('0-5460 6000')).toEqual([
      [0, 5460],
      [6000, 6000],
    ]);
    expect(holdsSlot('0-5460', 5460)).toBe(true);
    expect(holdsSlot('0-5460', 5461)).toBe(false);
    expect(holdsSlot('', 1)).toBe(false);
  });
});
