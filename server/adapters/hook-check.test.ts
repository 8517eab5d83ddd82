import { RedisAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startLab } from '../start-lab.ts';
import { checkHooks, HOOKS, HookMissing, requireHook, versionOf } from './hook-check.ts';

/** Takes a method off a real class for the length of `fn`, as an upgrade that renamed it would. */
function without(on: object, name: string, fn: () => void): void {
  // The method may be inherited (ioredis's Redis gets its commands from Commander).
  let owner = on;
  while (!Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object;
  const had = Object.getOwnPropertyDescriptor(owner, name);
  delete (owner as Record<string, unknown>)[name];
  try {
    fn();
  } finally {
    if (had) Object.defineProperty(owner, name, had);
  }
}

describe('the self-check of what the tap hooks', () => {
  it('finds every hook in the installed libraries', () => {
    expect(() => checkHooks()).not.toThrow();
    expect(HOOKS.map((h) => h.pkg)).toEqual(
      expect.arrayContaining([
        '@socket.io/redis-adapter',
        'socket.io-adapter',
        'ioredis',
        'engine.io',
      ]),
    );
  });

  it('names a renamed adapter method and the version it found', () => {
    without(RedisAdapter.prototype, 'onmessage', () => {
      expect(() => checkHooks()).toThrow(HookMissing);
      expect(() => checkHooks()).toThrow(
        `@socket.io/redis-adapter ${versionOf('@socket.io/redis-adapter')}: RedisAdapter.prototype.onmessage is missing`,
      );
    });
    expect(() => checkHooks()).not.toThrow();
  });

  it('stops the lab before it starts anything', async () => {
    let started: unknown = null;
    const attempt = new Promise<void>((resolve, reject) => {
      without(RedisAdapter.prototype, 'onrequest', () => {
        // startLab checks synchronously, before its first await: the hook is back after this.
        startLab({
          redis: { url: 'redis://127.0.0.1:1', kind: 'external', reason: 'test', version: '?' },
          servers: 1,
        }).then((lab) => {
          started = lab;
          resolve();
        }, reject);
      });
    });
    await expect(attempt).rejects.toThrow('RedisAdapter.prototype.onrequest is missing');
    expect(started).toBeNull();
  });

  it('names a missing ioredis method too', () => {
    without(Redis.prototype, 'send_command', () => {
      expect(() => checkHooks()).toThrow(
        /ioredis 6\.\d+\.\d+: Redis\.prototype\.send_command is missing/,
      );
    });
  });

  it('reads versions from the packages, and says when one is not installed', () => {
    expect(versionOf('ioredis')).toMatch(/^\d+\.\d+\.\d+/);
    expect(versionOf('engine.io')).toMatch(/^\d+\.\d+\.\d+/);
    expect(versionOf('no-such-package-here')).toBe('not found');
  });

  it('checks a hook bound at construction where the tap takes it', () => {
    const adapter = { onRawMessage() {} };
    expect(
      requireHook(adapter, '@socket.io/redis-adapter', 'ShardedRedisAdapter#onRawMessage'),
    ).toBe(adapter);
    expect(() =>
      requireHook({}, '@socket.io/redis-adapter', 'ShardedRedisAdapter#onRawMessage'),
    ).toThrow('ShardedRedisAdapter#onRawMessage is missing');
  });
});
