/**
 * Every flag of `npm start` and `npm run server`, with its environment twin and its help: the
 * one list the parser (flags.ts) and `--help` read.
 */
import type { SubscriptionMode } from '../trace/events.ts';
import { BALANCER_MODES, DEFAULT_BALANCER_PORT } from './balancer/balancer-modes.ts';

/** `optional`: a string that may be left out (`--redis-cluster` alone, or with URLs). */
export type Kind = 'int' | 'string' | 'bool' | 'choice' | 'optional';

export interface FlagSpec {
  name: string;
  env?: string;
  kind: Kind;
  choices?: readonly string[];
  min?: number;
  max?: number;
  help: string;
}

import { ADAPTERS } from './adapters/registry.ts';

export { ADAPTERS };
export const SUBSCRIPTION_MODES = [
  'static',
  'dynamic',
  'dynamic-private',
] as const satisfies readonly SubscriptionMode[];

export const LAB_FLAGS: FlagSpec[] = [
  {
    name: 'port',
    env: 'LAB_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    help: 'hub port (default 4000)',
  },
  {
    name: 'base-port',
    env: 'LAB_BASE_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    help: 'port of s1; s2 gets the next (default 4001)',
  },
  {
    name: 'servers',
    env: 'LAB_SERVERS',
    kind: 'int',
    min: 1,
    max: 10,
    help: 'how many Socket.IO servers (default 3)',
  },
  {
    name: 'adapter',
    env: 'LAB_ADAPTER',
    kind: 'choice',
    choices: ADAPTERS,
    help: `${ADAPTERS.join(' | ')} (default redis; docs/adapters.md)`,
  },
  {
    name: 'subscription-mode',
    env: 'LAB_SUBSCRIPTION_MODE',
    kind: 'choice',
    choices: SUBSCRIPTION_MODES,
    help: 'for --adapter sharded: static | dynamic | dynamic-private (default dynamic)',
  },
  {
    name: 'host',
    env: 'LAB_HOST',
    kind: 'string',
    help: 'address to listen on (default 127.0.0.1)',
  },
  {
    name: 'client-rate',
    env: 'LAB_CLIENT_RATE',
    kind: 'int',
    min: 1,
    max: 1_000_000,
    help: 'events a second each client may send before it is told to slow down (default 20)',
  },
  {
    name: 'address-rate',
    env: 'LAB_ADDRESS_RATE',
    kind: 'int',
    min: 1,
    max: 10_000_000,
    help: 'events a second all clients from one address may send together (default 10 x --client-rate)',
  },
  {
    name: 'resp',
    env: 'LAB_RESP',
    kind: 'choice',
    choices: ['2', '3'],
    help: "the servers' Redis protocol: 3 (ioredis 6's default) or 2 (subscriber mode refuses other commands)",
  },
  {
    name: 'redis',
    env: 'REDIS_URL',
    kind: 'string',
    help: 'use this Redis (redis://[:password@]host:port)',
  },
  {
    name: 'lab-id',
    env: 'LAB_ID',
    kind: 'string',
    help: "this lab's id (default: random): standalone servers join it with npm run server -- --lab ID",
  },
  {
    name: 'redis-user',
    env: 'LAB_REDIS_USER',
    kind: 'string',
    help: "the Redis ACL user the lab's connections log in as (on a Redis the lab starts, it makes it)",
  },
  {
    name: 'redis-password',
    env: 'LAB_REDIS_PASSWORD',
    kind: 'string',
    help: "that user's password (the environment variable keeps it out of the process list)",
  },
  {
    name: 'key',
    env: 'LAB_KEY',
    kind: 'string',
    help: "the adapters' channel prefix (default socket.io): labs sharing a Redis with different keys stay apart",
  },
  {
    name: 'redis-cluster',
    env: 'LAB_REDIS_CLUSTER',
    kind: 'optional',
    help: "the servers' adapters use a Redis Cluster: alone (or `local`), one the lab starts (3 masters from redis-server); or node URLs, comma-separated",
  },
  {
    name: 'redis-cluster-replicas',
    env: 'LAB_REDIS_CLUSTER_REPLICAS',
    kind: 'int',
    min: 0,
    max: 2,
    help: 'replicas per master of the local cluster (default 0; 1 makes 6 nodes)',
  },
  {
    name: 'broker',
    env: 'LAB_BROKER',
    kind: 'bool',
    help: 'skip the Redis search and use the embedded broker',
  },
  {
    name: 'monitor',
    env: 'LAB_MONITOR',
    kind: 'choice',
    choices: ['on', 'off'],
    help: 'on | off (default on)',
  },
  {
    name: 'monitor-channel',
    env: 'LAB_MONITOR_CHANNEL',
    kind: 'string',
    help: 'monitor channel (default lab:monitor)',
  },
  {
    name: 'balancer',
    env: 'LAB_BALANCER',
    kind: 'choice',
    choices: BALANCER_MODES,
    help: 'a load balancer in front of the servers: sticky | round-robin | off (default off); nginx when it is on PATH, else a Node proxy',
  },
  {
    name: 'balancer-port',
    env: 'LAB_BALANCER_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    help: `the balancer's port (default ${DEFAULT_BALANCER_PORT})`,
  },
  {
    name: 'token',
    env: 'LAB_TOKEN',
    kind: 'string',
    help: 'the token an exposed hub asks for (default: random)',
  },
  {
    name: 'classroom',
    env: 'LAB_CLASSROOM',
    kind: 'bool',
    help: 'classroom mode: listen on every interface, phones join at /join (docs/classroom.md)',
  },
  {
    name: 'class-size',
    env: 'LAB_CLASS_SIZE',
    kind: 'int',
    min: 1,
    max: 1000,
    help: 'with --classroom: the most phones that may join (default 200)',
  },
  { name: 'quiet', env: 'LAB_QUIET', kind: 'bool', help: 'no banner' },
  { name: 'help', kind: 'bool', help: 'print this help' },
];

export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'name', env: 'LAB_SERVER_NAME', kind: 'string', help: 'server id, e.g. s4 (required)' },
  {
    name: 'lab',
    env: 'LAB_ID',
    kind: 'string',
    help: 'the id of the lab to join (its banner and GET /api/lab say it); without it, the only lab on this Redis',
  },
  {
    name: 'port',
    env: 'LAB_SERVER_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    help: 'port to listen on (required)',
  },
  { name: 'redis', env: 'REDIS_URL', kind: 'string', help: 'the shared Redis (required)' },
  ...LAB_FLAGS.filter((f) =>
    [
      'redis-cluster',
      'client-rate',
      'address-rate',
      'resp',
      'adapter',
      'subscription-mode',
      'host',
      'monitor',
      'monitor-channel',
      'redis-user',
      'redis-password',
      'key',
      'quiet',
      'help',
    ].includes(f.name),
  ),
];
