import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AclUsers, sha256 } from './acl-users.ts';
import { EmbeddedBroker } from './broker.ts';
import type { CommandSpec } from './command-spec.ts';

const spec = (name: string, categories: string[] = []): CommandSpec => ({
  name,
  arity: -1,
  flags: [],
  categories,
  summary: '',
  since: '',
  group: '',
});
const KNOWN = new Set(['publish', 'ping', 'subscribe', 'client', 'client|setname', 'monitor']);

describe('AclUsers', () => {
  it('starts with the default user that Redis starts with', () => {
    const users = new AclUsers((n) => KNOWN.has(n));
    expect(users.describe(users.get('default')!)).toBe('user default on nopass ~* &* +@all');
    expect(users.defaultOpen).toBe(true);
    const locked = new AclUsers((n) => KNOWN.has(n), 's3cret');
    expect(locked.defaultOpen).toBe(false);
    expect(locked.check('default', 's3cret')).toBe(true);
    expect(locked.check('default', 'nope')).toBe(false);
  });

  it.each([
    [
      ['on', '>pw', '~*', 'resetchannels', '&socket.io#/#*', '+@all'],
      `user u on #${sha256('pw')} ~* resetchannels &socket.io#/#* +@all`,
    ],
    [[], 'user u off resetchannels -@all'],
    [
      ['on', 'nopass', 'allchannels', '-@all', '+publish', '+ping'],
      'user u on nopass &* -@all +publish +ping',
    ],
    [['on', '>a', '>b', '<a', 'reset'], 'user u off resetchannels -@all'],
    [
      ['+@all', '-@dangerous', '&*', 'resetchannels', '&a', '&a'],
      'user u off resetchannels &a +@all -@dangerous',
    ],
  ])('SETUSER %j gives %s', (rules, line) => {
    const users = new AclUsers((n) => KNOWN.has(n));
    expect(users.setUser('u', rules)).toBeUndefined();
    expect(users.describe(users.get('u')!)).toBe(line);
  });

  it.each([
    ['bogus', 'Syntax error'],
    ['+nosuch', 'Unknown command or category name in ACL'],
    ['+@nosuch', 'Unknown command or category name in ACL'],
    ['#abc', 'The password hash must be exactly 64 characters'],
  ])('a bad rule %s is refused whole, with Redis error', (rule, text) => {
    const users = new AclUsers((n) => KNOWN.has(n));
    expect(users.setUser('u', ['on', rule])).toContain(text);
    expect(users.get('u')).toBeUndefined();
  });

  it('checks commands by name, container and category, and channels as globs or, for patterns, literally', () => {
    const users = new AclUsers((n) => KNOWN.has(n));
    users.setUser('u', [
      'on',
      '>pw',
      '-@all',
      '+@pubsub',
      '-subscribe',
      '+client',
      'resetchannels',
      '&news.*',
    ]);
    expect(users.check('u', 'pw')).toBe(true);
    expect(users.canRun('u', spec('publish', ['@pubsub']))).toBe(true);
    expect(users.canRun('u', spec('subscribe', ['@pubsub']))).toBe(false);
    expect(users.canRun('u', spec('client|setname', ['@connection']))).toBe(true);
    expect(users.canRun('u', spec('monitor', ['@admin']))).toBe(false);
    expect(users.mayUse('u', 'news.tech', false)).toBe(true);
    expect(users.mayUse('u', 'sport', false)).toBe(false);
    expect(users.mayUse('u', 'news.*', true)).toBe(true);
    expect(users.mayUse('u', 'news.t*', true)).toBe(false);
  });
});

describe('the broker with ACL users', () => {
  it('shows who each connection is, kills by user, and forgets its users when it starts again', async () => {
    const broker = await EmbeddedBroker.start();
    const admin = new Redis(broker.url, { lazyConnect: true });
    await admin.connect();
    await admin.call('ACL', 'SETUSER', 'fanout', 'on', '>pw', 'allchannels', '+@all');
    const fanout = new Redis(broker.url.replace('redis://', 'redis://fanout:pw@'), {
      connectionName: 'as-fanout',
      lazyConnect: true,
      retryStrategy: () => null,
    });
    fanout.on('error', () => undefined);
    await fanout.connect();
    expect(await fanout.call('ACL', 'WHOAMI')).toBe('fanout');
    expect(String(await admin.call('CLIENT', 'LIST'))).toMatch(/name=as-fanout .*user=fanout/);
    expect(await admin.call('CLIENT', 'KILL', 'USER', 'fanout')).toBe(1);
    await broker.stop();
    await broker.start();
    await admin.ping().catch(() => undefined);
    expect(await admin.call('ACL', 'USERS')).toEqual(['default']);
    admin.disconnect();
    fanout.disconnect();
    await broker.stop();
  });
});
