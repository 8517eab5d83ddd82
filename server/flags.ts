/**
 * Reading the flags of `npm start` and `npm run server` (their list is in flag-specs.ts) and
 * their environment twins. A bad value throws a FlagError whose message says what to do; the CLI
 * prints it as one line.
 */
import type { AdapterKind, BalancerMode, SubscriptionMode } from '../trace/events.ts';
import { isLoopback } from './hub/auth.ts';
import { BROKER_HAS_NO_CLUSTER, parseClusterSpec } from './redis-cluster/cluster-choice.ts';
import { DEFAULT_BALANCER_PORT } from './balancer/balancer-modes.ts';
import { LAB_ID } from './lab-id.ts';
import { LAB_FLAGS, SERVER_FLAGS, type FlagSpec } from './flag-specs.ts';

export { ADAPTERS, SUBSCRIPTION_MODES } from './flag-specs.ts';

export class FlagError extends Error {}

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
  /** The lab's id (`--lab-id`); random when absent. */
  labId?: string;
  redisUser?: string;
  redisPassword?: string;
  key: string;
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
  lab?: string;
  redisUser?: string;
  redisPassword?: string;
  key: string;
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
    labId: raw['lab-id'] as string | undefined,
    ...redisAccessFlags(raw),
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
  if (flags.labId !== undefined && !LAB_ID.test(flags.labId))
    throw new FlagError(
      `--lab-id "${flags.labId}" must be 1-16 lowercase letters or digits, like k3f9.`,
    );
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
    lab: raw.lab as string | undefined,
    ...redisAccessFlags(raw),
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
  if (flags.lab !== undefined && !LAB_ID.test(flags.lab))
    throw new FlagError(
      `--lab "${flags.lab}" is not a lab id: those are lowercase letters and digits, like k3f9 (the lab's banner shows its id).`,
    );
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

/** The user, password and key flags, checked: shared by the lab and a standalone server. */
function redisAccessFlags(raw: Raw): Pick<LabFlags, 'redisUser' | 'redisPassword' | 'key'> {
  const redisUser = raw['redis-user'] as string | undefined;
  const redisPassword = raw['redis-password'] as string | undefined;
  const key = (raw.key as string | undefined) ?? 'socket.io';
  if (redisUser !== undefined && /[\s\0]/.test(redisUser))
    throw new FlagError('--redis-user cannot hold spaces: Redis user names never do.');
  if (redisUser !== undefined && redisPassword === undefined)
    throw new FlagError(
      '--redis-user needs --redis-password (or LAB_REDIS_PASSWORD, which stays out of the process list).',
    );
  if (!/^[^#\s*?[\]\\]{1,64}$/.test(key))
    throw new FlagError(
      `--key "${key}" cannot be used as a channel prefix: use 1-64 characters without spaces, #, *, ?, [, ] or \\ (e.g. class-b).`,
    );
  return { redisUser, redisPassword, key };
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
