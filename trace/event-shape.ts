/**
 * The shape every monitor event must have before anything reads it. Batches from this process
 * are made by the lab itself; batches that arrive through Redis may come from anyone who can
 * publish on the monitor channel, and one event with a missing field or an unknown decision
 * would break every page that reduces or narrates it. `eventProblem` says what is wrong, or
 * nothing; the hub refuses a batch with any such event (server/monitor/hub-feed.ts).
 */
import { HTTP_STEPS, type Decision, type EventKind } from './events.ts';
import { ADAPTER_IDS } from './adapter-modes.ts';

type Scalar = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'any';
/** A type, a list of allowed strings, and `?` for optional: `'number?'`, `['a', 'b']`. */
type FieldType = Scalar | `${Scalar}?` | readonly string[] | { optional: readonly string[] };

const DECISIONS: readonly Decision[] = [
  'delivered',
  'own-message',
  'unknown-room',
  'other-namespace',
  'not-for-me',
  'ignored',
  'undecodable',
  'malformed',
];
const ROLES = ['pub', 'sub', 'xread', 'monitor-pub', 'monitor-sub'];
const ADAPTERS = ADAPTER_IDS;
const FOREIGN = { optional: ['outside', 'other-lab'] };
const BALANCED = { optional: ['sticky', 'round-robin'] };
const TOPICS = [
  'redis.down',
  'redis.up',
  'lesson',
  'setup',
  'info',
  'other-lab',
  'outsider',
  'acl',
];

const FIELDS: { [K in EventKind]: Record<string, FieldType> } = {
  'server.up': { port: 'number', adapter: ADAPTERS, subscriptionMode: 'string?' },
  'server.down': { reason: ['stop', 'crash'] },
  'server.link': {
    link: ['cut', 'frozen', 'slow', 'open'],
    limit: 'string?',
    pending: 'number?',
    closedBy: 'string?',
  },
  'redis.connect': {
    role: ROLES,
    name: 'string',
    clientId: 'number?',
    duplicated: 'boolean?',
    protocol: 'number?',
  },
  'redis.disconnect': { role: ROLES, name: 'string', error: 'string?' },
  'redis.command': {
    role: ROLES,
    command: 'string',
    args: 'array',
    reply: 'any',
    error: 'string?',
  },
  'adapter.attach': {
    adapter: ADAPTERS,
    subscriptionMode: 'string?',
    uid: 'string?',
    nsp: 'string',
    channels: 'array',
    stream: 'object?',
  },
  'http.request': {
    what: ['handshake', 'poll', 'send', 'upgrade'],
    method: 'string',
    transport: 'string',
    sid: 'string?',
    status: 'number',
    error: 'string?',
    client: 'string?',
    balancer: BALANCED,
    ms: 'number',
  },
  'transport.upgrade': {
    sid: 'string',
    client: 'string?',
    from: 'string',
    to: 'string',
    balancer: BALANCED,
  },
  'client.transport': { socketId: 'string?', transport: 'string', client: 'string?' },
  'client.connect': {
    socketId: 'string',
    client: 'string?',
    clientKind: { optional: ['lab', 'page', 'phone', 'outside'] },
    transport: 'string',
    recovered: 'boolean?',
  },
  'client.disconnect': { socketId: 'string', client: 'string?', reason: 'string' },
  'room.join': { socketId: 'string', room: 'string', closing: 'boolean?' },
  'room.leave': { socketId: 'string', room: 'string', closing: 'boolean?' },
  'client.emit': {
    socketId: 'string',
    client: 'string?',
    event: 'string',
    args: 'array',
    bytes: 'number',
  },
  publish: {
    command: ['PUBLISH', 'SPUBLISH', 'XADD'],
    channel: 'string',
    bytes: 'number',
    message: 'object?',
    hex: 'string?',
    plumbing: 'boolean?',
    pubId: 'number',
  },
  'publish.result': {
    pubId: 'number',
    channel: 'string',
    receivers: 'number?',
    entryId: 'string?',
    error: 'string?',
    ms: 'number',
  },
  receive: {
    channel: 'string',
    pattern: 'string?',
    via: ['message', 'pmessage', 'smessage', 'xread'],
    entryId: 'string?',
    bytes: 'number',
    decision: DECISIONS,
    message: 'object?',
    hex: 'string?',
    sockets: 'number?',
    reason: 'string?',
    fatal: 'boolean?',
    foreign: FOREIGN,
    otherLab: 'string?',
  },
  deliver: {
    origin: ['local', 'remote'],
    event: 'string',
    rooms: 'array',
    except: 'array',
    sockets: 'array',
    count: 'number',
    kinds: 'object?',
    local: 'boolean?',
    foreign: FOREIGN,
    otherLab: 'string?',
    recovered: 'boolean?',
  },
  'session.recover': {
    socketId: 'string',
    offset: 'string',
    recovered: 'boolean',
    reason: 'string?',
    missed: 'array',
  },
  'client.receive': { socketId: 'string', client: 'string', event: 'string', args: 'array' },
  'monitor.mode': { mode: ['detail', 'sampled'], oneIn: 'number?', reason: 'string' },
  counters: { publishes: 'number', receipts: 'object', deliveries: 'number', skipped: 'number' },
  'cluster.nodes': { nodes: 'array', busSent: 'object' },
  'redis.pubsub': {
    channels: 'object',
    shardChannels: 'object',
    patterns: 'number',
    clients: 'array',
  },
  'lab.notice': { topic: TOPICS, text: 'string' },
  console: {
    connection: 'string',
    dir: ['command', 'reply', 'message', 'closed'],
    command: 'string?',
    args: 'array?',
    value: 'any',
    error: 'string?',
    resp: 'string?',
  },
  'plain.app': {
    what: ['started', 'output', 'received', 'exited'],
    pid: 'number?',
    port: 'number?',
    guard: 'boolean?',
    offlineQueue: 'boolean?',
    code: 'any',
    signal: 'any',
    text: 'string?',
  },
};

const KINDS = new Set(Object.keys(FIELDS));
/** Ids, names and channels longer than this are not something the lab makes. */
const MAX_NAME = 256;

function typeProblem(value: unknown, type: FieldType): string | undefined {
  if (typeof type === 'object' && 'optional' in type) {
    if (value === undefined) return undefined;
    return typeof value === 'string' && type.optional.includes(value)
      ? undefined
      : `must be one of ${type.optional.join(', ')}`;
  }
  if (Array.isArray(type)) {
    return typeof value === 'string' && type.includes(value)
      ? undefined
      : `must be one of ${type.join(', ')}`;
  }
  const optional = (type as string).endsWith('?');
  const base = (type as string).replace('?', '') as Scalar;
  if (value === undefined) return optional || base === 'any' ? undefined : 'is missing';
  switch (base) {
    case 'any':
      return undefined;
    case 'array':
      return Array.isArray(value) ? undefined : 'must be an array';
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? undefined
        : 'must be an object';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    default:
      return typeof value === base ? undefined : `must be a ${base}`;
  }
}

/** What is wrong with one event, or undefined when it is a well-formed event of a known kind. */
export function eventProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'is not an object';
  const e = value as Record<string, unknown>;
  if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) return 'has no known "kind"';
  const common: Record<string, FieldType> = {
    seq: 'number',
    t: 'number',
    server: 'string',
    step: 'any',
    flow: 'string?',
  };
  const fields = { ...common, ...FIELDS[e.kind as EventKind] };
  for (const [name, type] of Object.entries(fields)) {
    const problem = typeProblem(e[name], type);
    if (problem) return `${e.kind}: "${name}" ${problem}`;
    const v = e[name];
    if (typeof v === 'string' && v.length > MAX_NAME && (name === 'server' || name === 'flow'))
      return `${e.kind}: "${name}" is longer than ${MAX_NAME} characters`;
  }
  // The HTTP kinds are told in steps 1a and 1b (docs/trace.md "HTTP steps"), every other in 1-10.
  if (e.kind === 'http.request' || e.kind === 'transport.upgrade') {
    if (!(HTTP_STEPS as unknown[]).includes(e.step))
      return `${e.kind}: "step" must be ${HTTP_STEPS.join(' or ')}`;
  } else if (!Number.isInteger(e.step) || (e.step as number) < 1 || (e.step as number) > 10)
    return `${e.kind}: "step" must be a whole number from 1 to 10`;
  return undefined;
}

/** The first problem among a batch's events, with its index, or undefined when all are well-formed. */
export function eventsProblem(events: readonly unknown[]): string | undefined {
  for (let i = 0; i < events.length; i++) {
    const problem = eventProblem(events[i]);
    if (problem) return `events[${i}] ${problem}`;
  }
  return undefined;
}
