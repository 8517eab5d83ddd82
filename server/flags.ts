/**
 * Every flag of `npm start` and `npm run server`, defined once, with its environment twin.
 * A bad value throws a FlagError whose message says what to do; the CLI prints it as one line.
 */
import type { AdapterKind, BalancerMode, SubscriptionMode } from '../trace/events.ts';
import { isLoopback } from './hub/auth.ts';
import { BROKER_HAS_NO_CLUSTER, parseClusterSpec } from './redis-cluster/cluster-choice.ts';
import { BALANCER_MODES, DEFAULT_BALANCER_PORT } from './balancer/balancer-modes.ts';

export class FlagError extends Error {}

/** `optional`: a string that may be left out (`--redis-cluster` alone, or with URLs). */
type Kind = 'int' | 'string' | 'bool' | 'choice' | 'optional';

interface FlagSpec {
  name: string;
  env?: string;
  kind: Kind;
  choices?: readonly string[];
  min?: number;
  max?: number;
  help: string;
}

export const ADAPTERS = ['redis', 'sharded', 'none'] as const satisfies readonly AdapterKind[];
export const SUBSCRIPTION_MODES = [
  'static',
  'dynamic',
  'dynamic-private',
] as const satisfies readonly SubscriptionMode[];

const LAB_FLAGS: FlagSpec[] = [
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
    help: 'redis | sharded | none (default redis)',
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

const SERVER_FLAGS: FlagSpec[] = [
  { name: 'name', env: 'LAB_SERVER_NAME', kind: 'string', help: 'server id, e.g. s4 (required)' },
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
      'quiet',
      'help',
    ].includes(f.name),
  ),
];

export interface LabFlags {
  port: number;
  basePort: number;
  servers: number;
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  host: string;
  clientRate: number;
  /** Absent: ADDRESS_RATE_FACTOR times clientRate (rate-limit.ts). */
  addressRate?: number;
  resp: 2 | 3;
  redis?: string;
  /** Absent without --redis-cluster. */
  redisCluster?: { urls: string[] } | { local: true };
  redisClusterReplicas: number;
  broker: boolean;
  monitor: boolean;
  monitorChannel: string;
  balancer: BalancerMode;
  balancerPort: number;
  token?: string;
  /** Classroom mode, with the most phones it takes; absent otherwise. */
  classroom?: { size: number };
  quiet: boolean;
  help: boolean;
}

export interface ServerFlags {
  name: string;
  port: number;
  redis: string;
  /** The nodes of the lab's cluster, when the lab runs with --redis-cluster. */
  redisCluster?: string[];
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  host: string;
  clientRate: number;
  /** Absent: ADDRESS_RATE_FACTOR times clientRate (rate-limit.ts). */
  addressRate?: number;
  resp: 2 | 3;
  monitor: boolean;
  monitorChannel: string;
  quiet: boolean;
  help: boolean;
}

type Raw = Record<string, string | number | boolean>;

function convert(spec: FlagSpec, value: string, source: string): string | number | boolean {
  switch (spec.kind) {
    case 'bool':
      if (['', 'true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off'].includes(value)) return false;
      throw new FlagError(`${source} must be true or false, not "${value}".`);
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) {
        throw new FlagError(
          `${source} must be a whole number from ${spec.min} to ${spec.max}, not "${value}".`,
        );
      }
      return n;
    }
    case 'optional':
      return value;
    case 'choice':
      if (!spec.choices?.includes(value)) {
        throw new FlagError(
          `${source} must be one of ${spec.choices?.join(', ')}, not "${value}".`,
        );
      }
      return value;
    default:
      if (value === '') throw new FlagError(`${source} needs a value.`);
      return value;
  }
}

function parse(specs: FlagSpec[], argv: string[], env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const spec of specs) {
    const value = spec.env ? env[spec.env] : undefined;
    if (value !== undefined && value !== '') raw[spec.name] = convert(spec, value, spec.env!);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new FlagError(`Unexpected argument "${arg}". Flags look like --servers 3; see --help.`);
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new FlagError(`Unknown flag --${name}. See --help for the flags there are.`);
    let value = inline;
    if (value === undefined) {
      if (spec.kind === 'optional')
        value = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : '';
      else if (spec.kind === 'bool')
        value = argv[i + 1]?.match(/^(true|false)$/) ? argv[++i] : 'true';
      else if (i + 1 >= argv.length) throw new FlagError(`--${name} needs a value (${spec.help}).`);
      else value = argv[++i];
    }
    raw[spec.name] = convert(spec, value, `--${name}`);
  }
  return raw;
}

export function parseLabFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): LabFlags {
  const raw = parse(LAB_FLAGS, argv, env);
  const classroom = raw.classroom === true;
  const flags: LabFlags = {
    port: (raw.port as number) ?? 4000,
    basePort: (raw['base-port'] as number) ?? 4001,
    servers: (raw.servers as number) ?? 3,
    adapter: (raw.adapter as AdapterKind) ?? 'redis',
    subscriptionMode: (raw['subscription-mode'] as SubscriptionMode) ?? 'dynamic',
    // A class's phones must reach the hub and the servers over the room's network.
    host: (raw.host as string) ?? (classroom ? '0.0.0.0' : '127.0.0.1'),
    clientRate: (raw['client-rate'] as number) ?? 20,
    addressRate: raw['address-rate'] as number | undefined,
    resp: raw.resp === '2' ? 2 : 3,
    redis: raw.redis as string | undefined,
    redisCluster: clusterFlag(raw['redis-cluster'] as string | undefined),
    redisClusterReplicas: (raw['redis-cluster-replicas'] as number) ?? 0,
    broker: (raw.broker as boolean) ?? false,
    monitor: (raw.monitor ?? 'on') === 'on',
    monitorChannel: (raw['monitor-channel'] as string) ?? 'lab:monitor',
    balancer: (raw.balancer as BalancerMode) ?? 'off',
    balancerPort: (raw['balancer-port'] as number) ?? DEFAULT_BALANCER_PORT,
    token: raw.token as string | undefined,
    classroom: classroom ? { size: (raw['class-size'] as number) ?? 200 } : undefined,
    quiet: (raw.quiet as boolean) ?? false,
    help: (raw.help as boolean) ?? false,
  };
  if (raw['class-size'] !== undefined && !classroom)
    throw new FlagError('--class-size only applies with --classroom.');
  if (classroom && isLoopback(flags.host))
    throw new FlagError(
      `--classroom needs phones to reach this machine, and --host ${flags.host} is only reachable from it; leave --host out (every interface) or give this machine's LAN address.`,
    );
  if (raw['subscription-mode'] !== undefined && flags.adapter !== 'sharded') {
    throw new FlagError('--subscription-mode only applies to --adapter sharded.');
  }
  const last = flags.basePort + flags.servers - 1;
  if (last > 65535)
    throw new FlagError(
      `--base-port ${flags.basePort} leaves no room for ${flags.servers} servers.`,
    );
  if (flags.port >= flags.basePort && flags.port <= last) {
    throw new FlagError(
      `--port ${flags.port} collides with the servers' ports ${flags.basePort}-${last}; pick another.`,
    );
  }
  if (flags.redisCluster && flags.broker) throw new FlagError(BROKER_HAS_NO_CLUSTER);
  if (
    raw['redis-cluster-replicas'] !== undefined &&
    !(flags.redisCluster && 'local' in flags.redisCluster)
  )
    throw new FlagError(
      '--redis-cluster-replicas is for the cluster the lab starts: use it with --redis-cluster alone.',
    );
  checkBalancerPort(flags, last);
  checkMonitorChannel(flags.monitorChannel);
  return flags;
}

function clusterFlag(value: string | undefined): LabFlags['redisCluster'] {
  if (value === undefined) return undefined;
  try {
    return parseClusterSpec(value);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
}

export function parseServerFlags(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerFlags {
  const raw = parse(SERVER_FLAGS, argv, env);
  if (raw.help) return { help: true } as ServerFlags;
  for (const required of ['name', 'port', 'redis']) {
    if (raw[required] === undefined)
      throw new FlagError(
        `--${required} is required, e.g. --name s4 --port 4004 --redis redis://host:6379.`,
      );
  }
  const flags: ServerFlags = {
    name: raw.name as string,
    port: raw.port as number,
    redis: raw.redis as string,
    adapter: (raw.adapter as AdapterKind) ?? 'redis',
    subscriptionMode: (raw['subscription-mode'] as SubscriptionMode) ?? 'dynamic',
    host: (raw.host as string) ?? '127.0.0.1',
    clientRate: (raw['client-rate'] as number) ?? 20,
    addressRate: raw['address-rate'] as number | undefined,
    resp: raw.resp === '2' ? 2 : 3,
    monitor: (raw.monitor ?? 'on') === 'on',
    monitorChannel: (raw['monitor-channel'] as string) ?? 'lab:monitor',
    quiet: (raw.quiet as boolean) ?? false,
    help: false,
  };
  const cluster = clusterFlag(raw['redis-cluster'] as string | undefined);
  if (cluster && 'local' in cluster)
    throw new FlagError(
      "A standalone server joins the lab's cluster by its nodes' URLs: --redis-cluster redis://host:port,... (the lab's banner lists them).",
    );
  flags.redisCluster = cluster?.urls;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(flags.name))
    throw new FlagError('--name must be 1-32 letters, digits, _ or -.');
  checkMonitorChannel(flags.monitorChannel);
  return flags;
}

/** The balancer's port is checked even while it is off: it can be switched on live. */
function checkBalancerPort(flags: LabFlags, lastServerPort: number): void {
  const port = flags.balancerPort;
  if (port === flags.port)
    throw new FlagError(`--balancer-port ${port} is the hub's --port; pick another.`);
  if (port >= flags.basePort && port <= lastServerPort)
    throw new FlagError(
      `--balancer-port ${port} collides with the servers' ports ${flags.basePort}-${lastServerPort}; pick another.`,
    );
}

/** The monitor channel must never be mistaken for adapter traffic. */
function checkMonitorChannel(channel: string): void {
  if (/^socket\.io/.test(channel) || channel.includes('#')) {
    throw new FlagError(
      `--monitor-channel "${channel}" could be matched by the adapter's channels (socket.io#...); use a name like lab:monitor.`,
    );
  }
}

export function helpText(which: 'lab' | 'server'): string {
  const specs = which === 'lab' ? LAB_FLAGS : SERVER_FLAGS;
  const lines = specs.map(
    (s) => `  --${s.name.padEnd(18)} ${s.help}${s.env ? `  [${s.env}]` : ''}`,
  );
  const usage =
    which === 'lab'
      ? 'npm start -- [flags]'
      : 'npm run server -- --name s4 --port 4004 --redis URL [flags]';
  return `Usage: ${usage}\n\n${lines.join('\n')}\n`;
}
