import { describe, expect, it } from 'vitest';
import { FlagError, parseLabFlags, parseServerFlags } from './flags.ts';

describe('parseLabFlags', () => {
  it('has the documented defaults', () => {
    expect(parseLabFlags([], {})).toMatchObject({
      port: 4000,
      basePort: 4001,
      servers: 3,
      adapter: 'redis',
      host: '127.0.0.1',
      monitor: true,
      monitorChannel: 'lab:monitor',
      quiet: false,
    });
  });

  it('leaves the address rate to follow the client rate unless it is given', () => {
    expect(parseLabFlags([], {}).addressRate).toBeUndefined();
    expect(parseLabFlags(['--address-rate', '500'], {}).addressRate).toBe(500);
    expect(
      parseServerFlags(['--name', 's4', '--port', '4004', '--redis', 'redis://r'], {
        LAB_ADDRESS_RATE: '7',
      }),
    ).toMatchObject({ addressRate: 7 });
  });

  it('classroom mode listens on every interface and takes 200 phones unless told otherwise', () => {
    expect(parseLabFlags([], {}).classroom).toBeUndefined();
    expect(parseLabFlags(['--classroom'], {})).toMatchObject({
      host: '0.0.0.0',
      classroom: { size: 200 },
    });
    expect(parseLabFlags([], { LAB_CLASSROOM: '1', LAB_CLASS_SIZE: '30' })).toMatchObject({
      host: '0.0.0.0',
      classroom: { size: 30 },
    });
    expect(parseLabFlags(['--classroom', '--host', '10.0.0.7'], {}).host).toBe('10.0.0.7');
  });

  it('reads flags, with = or a separate value, and their environment twins', () => {
    const env = {
      LAB_PORT: '5000',
      LAB_SERVERS: '5',
      LAB_ADAPTER: 'none',
      REDIS_URL: 'redis://r:6379',
    };
    expect(parseLabFlags([], env)).toMatchObject({
      port: 5000,
      servers: 5,
      adapter: 'none',
      redis: 'redis://r:6379',
    });
    // A flag beats its environment twin.
    expect(parseLabFlags(['--servers=2', '--adapter', 'sharded', '--quiet'], env)).toMatchObject({
      servers: 2,
      adapter: 'sharded',
      quiet: true,
    });
  });

  it.each([
    [['--servers', '0'], /--servers must be a whole number from 1 to 10/],
    [['--servers', 'three'], /--servers must be a whole number/],
    [['--adapter', 'kafka'], /--adapter must be one of redis, sharded, streams, none/],
    [['--colour'], /Unknown flag --colour/],
    [['--port'], /--port needs a value/],
    [['stray'], /Unexpected argument "stray"/],
    [['--subscription-mode', 'static'], /only applies to --adapter sharded/],
    [['--port', '4002'], /collides with the servers' ports 4001-4003/],
    [['--monitor-channel', 'socket.io#/#x'], /could be matched by the adapter's channels/],
    [['--class-size', '30'], /--class-size only applies with --classroom/],
    [['--classroom', '--host', '127.0.0.1'], /only reachable from it/],
    [['--classroom', '--class-size', '0'], /--class-size must be a whole number from 1 to 1000/],
    [['--balancer', 'hash'], /--balancer must be one of sticky, round-robin, off/],
    [['--balancer-port', '4000'], /--balancer-port 4000 is the hub's --port/],
    [
      ['--balancer-port', '4003'],
      /--balancer-port 4003 collides with the servers' ports 4001-4003/,
    ],
  ])('%j fails with one clear sentence', (argv, message) => {
    expect(() => parseLabFlags(argv as string[], {})).toThrow(FlagError);
    expect(() => parseLabFlags(argv as string[], {})).toThrow(message);
  });

  it('has the balancer off on port 4080 unless told, from a flag or LAB_BALANCER', () => {
    expect(parseLabFlags([], {})).toMatchObject({ balancer: 'off', balancerPort: 4080 });
    expect(parseLabFlags(['--balancer', 'sticky', '--balancer-port', '5680'], {})).toMatchObject({
      balancer: 'sticky',
      balancerPort: 5680,
    });
    expect(
      parseLabFlags([], { LAB_BALANCER: 'round-robin', LAB_BALANCER_PORT: '5681' }),
    ).toMatchObject({ balancer: 'round-robin', balancerPort: 5681 });
  });

  it('reads the Redis user, its password and the channel key, and checks them', () => {
    expect(
      parseLabFlags(['--redis-user', 'class', '--key', 'class-b'], { LAB_REDIS_PASSWORD: 'pw' }),
    ).toMatchObject({ redisUser: 'class', redisPassword: 'pw', key: 'class-b' });
    expect(parseLabFlags([], {}).key).toBe('socket.io');
    expect(() => parseLabFlags(['--redis-user', 'class'], {})).toThrow(
      /--redis-user needs --redis-password/,
    );
    expect(() => parseLabFlags(['--key', 'a#b'], {})).toThrow(/cannot be used as a channel prefix/);
    expect(parseLabFlags(['--lab-id', 'class1'], {}).labId).toBe('class1');
    expect(() => parseLabFlags(['--lab-id', 'Class 1'], {})).toThrow(/--lab-id "Class 1" must be/);
  });

  it('names the environment variable when it is the bad one', () => {
    expect(() => parseLabFlags([], { LAB_SERVERS: '99' })).toThrow(/LAB_SERVERS must be/);
  });
});

describe('parseServerFlags', () => {
  it('joins a lab by its id, and refuses what is not one', () => {
    const base = ['--name', 's4', '--port', '4004', '--redis', 'redis://h:6379'];
    expect(parseServerFlags([...base, '--lab', 'k3f9'], {}).lab).toBe('k3f9');
    expect(parseServerFlags(base, { LAB_ID: 'b7c2' }).lab).toBe('b7c2');
    expect(() => parseServerFlags([...base, '--lab', 'K3F9!'], {})).toThrow(/is not a lab id/);
  });

  it('needs a name, a port and a Redis', () => {
    expect(() => parseServerFlags(['--name', 's4'], {})).toThrow(/--port is required/);
    expect(
      parseServerFlags(['--name', 's4', '--port', '4004', '--redis', 'redis://h:6379'], {}),
    ).toMatchObject({
      name: 's4',
      port: 4004,
      redis: 'redis://h:6379',
      adapter: 'redis',
    });
  });

  it('reads --redis-cluster alone, with node URLs, and LAB_REDIS_CLUSTER', () => {
    expect(parseLabFlags([], {}).redisCluster).toBeUndefined();
    expect(parseLabFlags(['--redis-cluster'], {}).redisCluster).toEqual({ local: true });
    expect(parseLabFlags(['--redis-cluster', '--servers', '2'], {})).toMatchObject({
      redisCluster: { local: true },
      servers: 2,
    });
    expect(
      parseLabFlags(['--redis-cluster', 'redis://a:7001,redis://b:7002'], {}).redisCluster,
    ).toEqual({ urls: ['redis://a:7001', 'redis://b:7002'] });
    expect(parseLabFlags([], { LAB_REDIS_CLUSTER: '1' }).redisCluster).toEqual({ local: true });
    expect(
      parseLabFlags(['--redis-cluster', '--redis-cluster-replicas', '1'], {}).redisClusterReplicas,
    ).toBe(1);
  });

  it('refuses a cluster on the broker, bad node URLs, and replicas of a cluster it did not start', () => {
    expect(() => parseLabFlags(['--redis-cluster', '--broker'], {})).toThrow(
      /embedded broker does not do Redis Cluster.*apt-get install redis-server/,
    );
    expect(() => parseLabFlags(['--redis-cluster', 'host:7001'], {})).toThrow(
      /node URLs like redis:\/\/127.0.0.1:7001/,
    );
    expect(() =>
      parseLabFlags(['--redis-cluster', 'redis://a:7001', '--redis-cluster-replicas', '1'], {}),
    ).toThrow(FlagError);
    expect(() => parseLabFlags(['--redis-cluster-replicas', '1'], {})).toThrow(
      /--redis-cluster alone/,
    );
  });

  it('lets a standalone server join a cluster by its node URLs only', () => {
    const base = ['--name', 's4', '--port', '4004', '--redis', 'redis://r'];
    expect(
      parseServerFlags([...base, '--redis-cluster', 'redis://a:7001'], {}).redisCluster,
    ).toEqual(['redis://a:7001']);
    expect(() => parseServerFlags([...base, '--redis-cluster'], {})).toThrow(/nodes' URLs/);
  });
});
