import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Keyspace } from './keyspace.ts';

const str = (v: string) => ({ type: 'string' as const, value: Buffer.from(v) });

describe('Keyspace expiry', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('a key past its time is gone for whoever looks (lazy expiry)', () => {
    const ks = new Keyspace();
    ks.set('sio:session:a', str('x'), Date.now() + 100);
    expect(ks.timeToLive('sio:session:a')).toBe(100);
    vi.setSystemTime(Date.now() + 99);
    expect(ks.lookup('sio:session:a')).toBeDefined();
    vi.setSystemTime(Date.now() + 1);
    expect(ks.lookup('sio:session:a')).toBeUndefined();
    expect(ks.size).toBe(0);
    ks.clear();
  });

  it('the sweep removes expired keys nobody looks at, then stops', () => {
    const ks = new Keyspace();
    for (let i = 0; i < 50; i++) ks.set(`k${i}`, str('x'), Date.now() + 150);
    ks.set('forever', str('x'), null);
    expect(ks.size).toBe(51);
    vi.advanceTimersByTime(200);
    expect(ks.size).toBe(1);
    expect(ks.expiringCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('SET without KEEPTTL clears a TTL, with KEEPTTL keeps it; clear() stops the sweep', () => {
    const ks = new Keyspace();
    ks.set('k', str('a'), Date.now() + 1000);
    ks.set('k', str('b'), 'keep');
    expect(ks.timeToLive('k')).toBe(1000);
    ks.set('k', str('c'), null);
    expect(ks.timeToLive('k')).toBeNull();
    ks.set('k2', str('c'), Date.now() + 1000);
    ks.clear();
    expect(vi.getTimerCount()).toBe(0);
    expect(ks.keys('*')).toEqual([]);
  });

  it('KEYS matches Redis globs and skips expired keys', () => {
    const ks = new Keyspace();
    ks.set('sio:session:1', str('x'), null);
    ks.set('sio:session:2', str('x'), Date.now() + 10);
    ks.set('other', str('x'), null);
    vi.setSystemTime(Date.now() + 10);
    expect(ks.keys('sio:session:*')).toEqual(['sio:session:1']);
    ks.clear();
  });
});
