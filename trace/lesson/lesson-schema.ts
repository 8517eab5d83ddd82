/**
 * The parts of a lesson's YAML (setup, actions, conditions, tasks, predictions), each read
 * with the line it came from so a mistake is reported where the author made it.
 */
import { ADAPTER_IDS } from '../adapter-modes.ts';
import { EVENT_KINDS } from '../events.ts';
import { CONSOLE_COMMANDS, CONSOLE_CONNECTIONS, SUB_COMMANDS } from './lesson-actions.ts';
import type {
  Choice,
  Claim,
  Condition,
  EventMatcher,
  LessonAction,
  LessonSetup,
  LessonTask,
  Observation,
  OutsiderPublish,
  Prediction,
  SetupClient,
} from './lesson-types.ts';
import { suggest, type YamlBlock, type YNode } from './lesson-yaml.ts';
import { isScalar } from 'yaml';
import { ROUTE_KEYS, readBalancerMode, readClientRoute } from './lesson-balancer.ts';

/** Every field name an event of trace/events.ts has; a matcher may only use these. */
const EVENT_FIELDS = [
  'kind', 'server', 'step', 'flow', 'port', 'adapter', 'subscriptionMode', 'reason', 'role',
  'name', 'clientId', 'duplicated', 'error', 'command', 'args', 'reply', 'uid', 'nsp',
  'channels', 'socketId', 'transport', 'client', 'room', 'closing', 'event', 'bytes', 'channel',
  'message', 'plumbing', 'pubId', 'receivers', 'ms', 'pattern', 'via', 'decision', 'sockets',
  'origin', 'rooms', 'except', 'count', 'local', 'mode', 'topic', 'text', 'protocol',
  'connection', 'dir', 'value', 'resp', 'what', 'code', 'signal', 'guard', 'offlineQueue', 'pid',
  'method', 'sid', 'status', 'balancer', 'from', 'to', 'fatal', 'foreign', 'otherLab', 'link',
  'limit', 'pending', 'closedBy', 'nodes', 'busSent', 'readFrom', 'entryId', 'stream',
  'recovered', 'offset', 'missed', 'shardChannels', 'patterns', 'clients',
  'clientKind', 'kinds',
]; // prettier-ignore

export const ADAPTER_KINDS = ADAPTER_IDS;
export const SUBSCRIPTION_MODES = ['static', 'dynamic', 'dynamic-private'] as const;
const SERVER_ID = /^s([1-9]\d?)$/;
const CLIENT_ID = /^c([1-9]\d{0,2})$/;
const HIGHLIGHT =
  /^(redis|balancer|server:s\d+|client:c\d+|line:s\d+:(pub|sub)|(channel|pattern):.+)$/;
/** The namespaces a lab server serves besides `/` (server/lab-namespaces.ts). */
export const LAB_NAMESPACES = ['/game', '/news'] as const;

/** What the lesson has made so far, so `stop: s4` in a 3-server lesson is caught early. */
export interface LessonScope {
  servers: number;
  clients: number;
}

export function readSetup(y: YamlBlock, node: YNode, what = 'setup'): LessonSetup {
  const m = y.map(node, what, [
    'servers',
    'adapter',
    'subscriptionMode',
    'resp',
    'balancer',
    'clients',
    'cluster',
  ]);
  const servers = y.int(y.required(m, 'servers', what, node), `${what}.servers`, 1, 10);
  const adapter = y.choice(y.required(m, 'adapter', what, node), `${what}.adapter`, ADAPTER_KINDS);
  const modeNode = m.get('subscriptionMode');
  const subscriptionMode = modeNode
    ? y.choice(modeNode, `${what}.subscriptionMode`, SUBSCRIPTION_MODES)
    : undefined;
  if (subscriptionMode && adapter !== 'sharded')
    y.fail(modeNode, `${what}.subscriptionMode only applies to adapter: sharded`);
  const resp = m.has('resp') ? (y.int(m.get('resp'), `${what}.resp`, 2, 3) as 2 | 3) : undefined;
  const balancer = m.has('balancer')
    ? readBalancerMode(y, m.get('balancer'), `${what}.balancer`)
    : undefined;
  const clientNodes = m.get('clients') ? y.list(m.get('clients'), `${what}.clients`) : [];
  const clients = clientNodes.map((c, i) => {
    const where = `${what}.clients[${i}]`;
    return readClient(y, c, where, { servers, clients: 0 });
  });
  if ((!balancer || balancer === 'off') && clients.some((c) => c.via))
    y.fail(
      node,
      `${what} has clients that come through the balancer: give "balancer: sticky" or "balancer: round-robin"`,
    );
  return {
    servers,
    adapter,
    subscriptionMode,
    ...(resp ? { resp } : {}),
    ...(balancer ? { balancer } : {}),
    ...(m.has('cluster')
      ? { cluster: y.choice(m.get('cluster'), `${what}.cluster`, ['required'] as const) }
      : {}),
    clients,
  };
}

/** A client of a setup or an addClient: its server (or the balancer), rooms and namespace. */
function readClient(y: YamlBlock, node: YNode, where: string, scope: LessonScope): SetupClient {
  const cm = y.map(node, where, ['server', 'rooms', 'nsp', ...ROUTE_KEYS]);
  const route = readClientRoute(y, cm, where, node);
  const server = cm.has('server') ? serverRef(y, cm.get('server'), scope) : undefined;
  const rooms = cm.get('rooms') ? roomList(y, cm.get('rooms'), `${where}.rooms`) : [];
  return {
    ...(server ? { server } : {}),
    rooms,
    ...namespaceOf(y, cm.get('nsp'), `${where}.nsp`),
    ...route,
  };
}

function namespaceOf(y: YamlBlock, node: YNode, what: string): { nsp?: string } {
  if (!node) return {};
  const nsp = y.string(node, what);
  if (nsp === '/') return {};
  if (!(LAB_NAMESPACES as readonly string[]).includes(nsp))
    y.fail(node, `${what} must be / or one of the lab's namespaces: ${LAB_NAMESPACES.join(', ')}`);
  return { nsp };
}

function roomList(y: YamlBlock, node: YNode, what: string): string[] {
  return y.list(node, what).map((r) => y.string(r, `${what} item`));
}

function serverRef(y: YamlBlock, node: YNode, scope: LessonScope): string {
  const id = y.string(node, 'a server');
  const n = SERVER_ID.exec(id)?.[1];
  if (!n) y.fail(node, `"${id}" is not a server id like s1`);
  if (Number(n) > scope.servers)
    y.fail(node, `there is no server ${id}: the setup makes ${scope.servers}`);
  return id;
}

function clientRef(y: YamlBlock, node: YNode, scope: LessonScope): string {
  const id = y.string(node, 'a client');
  const n = CLIENT_ID.exec(id)?.[1];
  if (!n) y.fail(node, `"${id}" is not a client id like c1`);
  if (Number(n) > scope.clients)
    y.fail(node, `there is no client ${id}: the lesson has made ${scope.clients} so far`);
  return id;
}

const ACTIONS = [
  'stop',
  'crash',
  'start',
  'cut',
  'heal',
  'redis',
  'emit',
  'addClient',
  'removeClient',
  'setup',
  'subCommand',
  'straySubscriber',
  'together',
  'serversEmit',
  'console',
  'plainApp',
  'balancer',
  'lockdown',
  'outsider',
  'burst',
];

/** A forged broadcast (`event`, `args`, `room`) or `text` on a `channel`, as the hub takes them. */
function readOutsider(y: YamlBlock, node: YNode): OutsiderPublish {
  const om = y.map(node, 'outsider', ['event', 'args', 'room', 'channel', 'text']);
  if (om.has('event')) {
    const event = y.string(om.get('event'), 'outsider.event');
    const args = om.get('args')
      ? y.list(om.get('args'), 'outsider.args').map((a) => y.value(a))
      : [];
    const room = om.get('room') ? y.string(om.get('room'), 'outsider.room') : undefined;
    return { event, args, ...(room ? { room } : {}) };
  }
  if (!om.has('channel') || !om.has('text'))
    y.fail(node, 'outsider needs an event to forge, or a channel and the text to publish on it');
  return {
    channel: y.string(om.get('channel'), 'outsider.channel'),
    text: String(y.value(om.get('text'))),
  };
}

/** The hub's limits for a sub-command: a command it allows and at most 4 arguments of 200 characters. */
function readSubCommand(y: YamlBlock, node: YNode, scope: LessonScope) {
  const sm = y.map(node, 'subCommand', ['server', 'args']);
  const server = serverRef(y, y.required(sm, 'server', 'subCommand', node), scope);
  const argsNode = y.required(sm, 'args', 'subCommand', node);
  const args = words(y, argsNode, 'subCommand.args', 5);
  const command = args[0].toUpperCase();
  if (!(SUB_COMMANDS as readonly string[]).includes(command))
    y.fail(argsNode, `subCommand runs one of ${SUB_COMMANDS.join(', ')}, not "${args[0]}"`);
  return { server, args: [command, ...args.slice(1)] };
}

/** Words or numbers of at most 200 characters, as the hub takes them. */
function words(y: YamlBlock, node: YNode, what: string, max: number): string[] {
  const list = y.list(node, what).map((a) => {
    const v = y.value(a);
    if ((typeof v !== 'string' && typeof v !== 'number') || String(v).length > 200)
      y.fail(a, `${what} are words or numbers of at most 200 characters`);
    return String(v);
  });
  if (list.length === 0 || list.length > max)
    y.fail(node, `${what}: a command and at most ${max - 1} arguments`);
  return list;
}

function readConsole(y: YamlBlock, node: YNode) {
  const cm = y.map(node, 'console', ['connection', 'args']);
  const connection = y.choice(
    y.required(cm, 'connection', 'console', node),
    'console.connection',
    CONSOLE_CONNECTIONS,
  );
  const argsNode = y.required(cm, 'args', 'console', node);
  const args = words(y, argsNode, 'console.args', 8);
  const command = args[0].toUpperCase();
  if (!(CONSOLE_COMMANDS as readonly string[]).includes(command))
    y.fail(argsNode, `the console runs ${CONSOLE_COMMANDS.join(', ')}, not "${args[0]}"`);
  return { connection, args: [command, ...args.slice(1)] };
}

function readEmit(y: YamlBlock, arg: YNode, scope: LessonScope, what = 'emit') {
  const em = y.map(arg, what, ['client', 'event', 'args']);
  const client = clientRef(y, y.required(em, 'client', what, arg), scope);
  const event = y.string(y.required(em, 'event', what, arg), `${what}.event`);
  const args = em.get('args') ? y.list(em.get('args'), `${what}.args`).map((a) => y.value(a)) : [];
  return { client, event, args };
}

function readPlainApp(y: YamlBlock, node: YNode): LessonAction {
  if (y.value(node) === 'stop') return { plainApp: { stop: true } };
  const m = y.map(node, 'plainApp', ['start', 'emit']);
  if (m.size !== 1) y.fail(node, 'plainApp is "stop", or has one of start, emit');
  if (m.has('emit')) return { plainApp: { emit: y.string(m.get('emit'), 'plainApp.emit') } };
  const start = m.get('start');
  const sm = y.map(start, 'plainApp.start', ['guard', 'offlineQueue']);
  const flag = (k: string) => (sm.has(k) ? y.bool(sm.get(k), `plainApp.start.${k}`) : false);
  return { plainApp: { start: { guard: flag('guard'), offlineQueue: flag('offlineQueue') } } };
}

export function readAction(y: YamlBlock, node: YNode, scope: LessonScope): LessonAction {
  const m = y.map(node, 'an action', ACTIONS);
  if (m.size !== 1) y.fail(node, `an action has exactly one of ${ACTIONS.join(', ')}`);
  const [[name, arg]] = [...m];
  switch (name) {
    case 'stop':
      return { stop: serverRef(y, arg, scope) };
    case 'crash':
      return { crash: serverRef(y, arg, scope) };
    case 'start':
      return { start: serverRef(y, arg, scope) };
    case 'redis':
      return { redis: y.choice(arg, 'redis', ['stop', 'start'] as const) };
    case 'removeClient':
      return { removeClient: clientRef(y, arg, scope) };
    case 'emit':
      return { emit: readEmit(y, arg, scope) };
    case 'together': {
      const list = y.list(arg, 'together').map((e) => readEmit(y, e, scope, 'together item'));
      if (list.length < 2) y.fail(arg, 'together lists at least two emits');
      return { together: list };
    }
    case 'serversEmit': {
      const em = y.map(arg, 'serversEmit', ['event', 'args', 'local']);
      const event = y.string(y.required(em, 'event', 'serversEmit', arg), 'serversEmit.event');
      const args = em.get('args')
        ? y.list(em.get('args'), 'serversEmit.args').map((a) => y.value(a))
        : [];
      const local = em.has('local') ? y.bool(em.get('local'), 'serversEmit.local') : false;
      return { serversEmit: { event, args, local } };
    }
    case 'console':
      return { console: readConsole(y, arg) };
    case 'plainApp':
      return readPlainApp(y, arg);
    case 'subCommand':
      return { subCommand: readSubCommand(y, arg, scope) };
    case 'straySubscriber':
      return { straySubscriber: y.choice(arg, 'straySubscriber', ['on', 'off'] as const) };
    case 'lockdown':
      return { lockdown: y.choice(arg, 'lockdown', ['on', 'off'] as const) };
    case 'outsider':
      return { outsider: readOutsider(y, arg) };
    case 'heal':
      return { heal: serverRef(y, arg, scope) };
    case 'cut': {
      // `cut: s2` resets s2's link; `cut: {server: s2, mode: slow}` picks the mode.
      if (isScalar(arg)) return { cut: { server: serverRef(y, arg, scope), mode: 'reset' } };
      const cm = y.map(arg, 'cut', ['server', 'mode']);
      const server = serverRef(y, y.required(cm, 'server', 'cut', arg), scope);
      const mode = cm.has('mode')
        ? y.choice(cm.get('mode'), 'cut.mode', ['reset', 'freeze', 'slow'] as const)
        : 'reset';
      return { cut: { server, mode } };
    }
    case 'burst': {
      const bm = y.map(arg, 'burst', ['client', 'count', 'bytes']);
      const client = clientRef(y, y.required(bm, 'client', 'burst', arg), scope);
      const count = y.value(y.required(bm, 'count', 'burst', arg));
      const bytes = y.value(y.required(bm, 'bytes', 'burst', arg));
      if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 300)
        y.fail(arg, 'burst.count is a whole number from 1 to 300');
      if (!Number.isInteger(bytes) || (bytes as number) < 1 || (bytes as number) > 60000)
        y.fail(arg, 'burst.bytes is a whole number from 1 to 60000');
      return { burst: { client, count: count as number, bytes: bytes as number } };
    }
    case 'addClient': {
      const addClient = readClient(y, arg, 'addClient', scope);
      scope.clients += 1;
      return { addClient };
    }
    case 'balancer':
      return { balancer: readBalancerMode(y, arg, 'balancer') };
    default: {
      const setup = readSetup(y, arg, 'setup action');
      scope.servers = setup.servers;
      scope.clients = setup.clients.length;
      return { setup };
    }
  }
}

export function readActions(y: YamlBlock, node: YNode, scope: LessonScope): LessonAction[] {
  return y.list(node, 'do').map((a) => readAction(y, a, scope));
}

function readMatcher(y: YamlBlock, node: YNode, scope: LessonScope): EventMatcher {
  // A dotted path reaches inside a field: `message.name`, `value.0`.
  const m = y.map(node, 'an event matcher', EVENT_FIELDS, (key) =>
    EVENT_FIELDS.includes(key.split('.')[0]),
  );
  const kindNode = y.required(m, 'kind', 'an event matcher', node);
  const kinds = y.list(kindNode, 'kind').map((k) => {
    const kind = y.string(k, 'kind');
    if (!(EVENT_KINDS as string[]).includes(kind))
      y.fail(k, `unknown event kind "${kind}"${suggest(kind, EVENT_KINDS)}`);
    return kind;
  });
  const out: EventMatcher = { kind: kinds.length === 1 ? kinds[0] : kinds };
  for (const [key, value] of m) {
    if (key === 'kind') continue;
    if (key === 'client') for (const c of y.list(value, 'client')) clientRef(y, c, scope);
    if (key === 'server') for (const s of y.list(value, 'server')) serverRef(y, s, scope);
    out[key] = y.value(value);
  }
  return out;
}

/** The fields of a LessonReply: `reply.x` reaches into the answer (`reply.count`, `reply.error`). */
const REPLY_FIELDS = ['client', 'event', 'reply'];

function readReplyMatcher(y: YamlBlock, node: YNode, scope: LessonScope): EventMatcher {
  const m = y.map(node, 'a reply matcher', REPLY_FIELDS, (key) => key.startsWith('reply.'));
  const out: EventMatcher = {};
  for (const [key, value] of m) {
    if (key === 'client') for (const c of y.list(value, 'client')) clientRef(y, c, scope);
    out[key] = y.value(value);
  }
  return out;
}

const CONDITION_KEYS = [
  'event',
  'reply',
  'count',
  'exactly',
  'order',
  'sameFlow',
  'server',
  'client',
  'redis',
  'state',
  'all',
  'any',
];

/** `beside`: keys of the enclosing thing that share the mapping (a check's `says`), skipped here. */
export function readCondition(
  y: YamlBlock,
  node: YNode,
  scope: LessonScope,
  beside: string[] = [],
): Condition {
  const m = y.map(node, 'a condition', [...CONDITION_KEYS, ...beside]);
  for (const k of beside) m.delete(k);
  const has = (k: string) => m.has(k);
  const only = (allowed: string[], what: string) => {
    for (const k of m.keys())
      if (!allowed.includes(k)) y.fail(node, `${what} cannot also have "${k}"`);
  };
  const sameFlow = has('sameFlow') ? y.bool(m.get('sameFlow'), 'sameFlow') : undefined;
  if (has('event')) {
    only(['event', 'count', 'exactly', 'sameFlow'], 'an event condition');
    if (has('count') && has('exactly'))
      y.fail(node, 'an event condition has "count" (at least) or "exactly", not both');
    return {
      event: readMatcher(y, m.get('event'), scope),
      count: has('count') ? y.int(m.get('count'), 'count', 1, 10_000) : undefined,
      exactly: has('exactly') ? y.int(m.get('exactly'), 'exactly', 0, 10_000) : undefined,
      sameFlow,
    };
  }
  if (has('order')) {
    only(['order', 'sameFlow'], 'an order condition');
    const order = y.list(m.get('order'), 'order').map((e) => readMatcher(y, e, scope));
    if (order.length < 2) y.fail(m.get('order'), 'order lists at least two event matchers');
    return { order, sameFlow };
  }
  if (has('reply')) {
    only(['reply', 'count'], 'a reply condition');
    return {
      reply: readReplyMatcher(y, m.get('reply'), scope),
      count: has('count') ? y.int(m.get('count'), 'count', 1, 10_000) : undefined,
    };
  }
  if (has('all') || has('any')) {
    const key = has('all') ? 'all' : 'any';
    only([key], `"${key}"`);
    const parts = y.list(m.get(key), key).map((c) => readCondition(y, c, scope));
    return key === 'all' ? { all: parts } : { any: parts };
  }
  if (has('redis')) {
    only(['redis'], 'a redis condition');
    return { redis: y.choice(m.get('redis'), 'redis', ['up', 'down'] as const) };
  }
  const stateOf = <T extends string>(what: string, states: readonly T[]): T => {
    only([what, 'state'], `a ${what} condition`);
    return y.choice(y.required(m, 'state', `a ${what} condition`, node), 'state', states);
  };
  if (has('server')) {
    const state = stateOf('server', ['up', 'down', 'crashed'] as const);
    return { server: serverRef(y, m.get('server'), scope), state };
  }
  if (has('client')) {
    const state = stateOf('client', ['connected', 'disconnected'] as const);
    return { client: clientRef(y, m.get('client'), scope), state };
  }
  return y.fail(
    node,
    'a condition needs one of event, order, reply, server, client, redis, all or any',
  );
}

export function readTask(y: YamlBlock, node: YNode, scope: LessonScope): LessonTask {
  const m = y.map(node, 'task', ['text', 'done', 'showMe']);
  const text = y.string(y.required(m, 'text', 'task', node), 'task.text');
  const showMe = readActions(y, y.required(m, 'showMe', 'task', node), scope);
  const done = readCondition(y, y.required(m, 'done', 'task', node), scope);
  return { text, done, showMe };
}

/** `first`: which of these happened first; each matcher names one kind of its own. */
function readFirst(y: YamlBlock, node: YNode, scope: LessonScope): EventMatcher[] {
  const list = y.list(node, 'first').map((e) => readMatcher(y, e, scope));
  const kinds = list.map((m) => m.kind);
  if (list.length < 2) y.fail(node, 'first lists at least two event matchers');
  if (kinds.some((k, i) => typeof k !== 'string' || kinds.indexOf(k) !== i))
    y.fail(
      node,
      'the matchers of first each name one kind, a different one: the kind is the answer',
    );
  return list;
}

function readObservation(y: YamlBlock, node: YNode, scope: LessonScope): Observation {
  const m = y.map(node, 'predict.observe', [
    'event',
    'reply',
    'first',
    'sameFlow',
    'collect',
    'per',
  ]);
  if (m.has('first')) {
    for (const k of m.keys())
      if (k !== 'first' && k !== 'sameFlow')
        y.fail(node, `predict.observe with "first" has only first and sameFlow, not "${k}"`);
    const sameFlow = m.has('sameFlow') ? y.bool(m.get('sameFlow'), 'sameFlow') : undefined;
    return { first: readFirst(y, m.get('first'), scope), sameFlow };
  }
  const collect = y.string(y.required(m, 'collect', 'predict.observe', node), 'collect');
  if (m.has('reply')) {
    if (m.has('event') || m.has('sameFlow') || m.has('per'))
      y.fail(
        node,
        'predict.observe looks at events (event, sameFlow, per) or at replies (reply), not both',
      );
    if (collect !== 'count' && !REPLY_FIELDS.includes(collect.split('.')[0]))
      y.fail(m.get('collect'), 'collect must be "count", client, event or a path like reply.count');
    return { reply: readReplyMatcher(y, m.get('reply'), scope), collect };
  }
  const event = readMatcher(y, y.required(m, 'event', 'predict.observe', node), scope);
  // A dotted path reaches inside a field: `reply.1` is the count in a PUBSUB NUMSUB reply.
  if (collect !== 'count' && !EVENT_FIELDS.includes(collect.split('.')[0]))
    y.fail(
      m.get('collect'),
      `collect must be "count" or an event field${suggest(collect, EVENT_FIELDS)}`,
    );
  const sameFlow = m.has('sameFlow') ? y.bool(m.get('sameFlow'), 'sameFlow') : undefined;
  if (!m.has('per')) return { event, collect, sameFlow };
  const per = y.string(m.get('per'), 'per');
  if (!EVENT_FIELDS.includes(per.split('.')[0]))
    y.fail(m.get('per'), `per must be an event field${suggest(per, EVENT_FIELDS)}`);
  return { event, collect, sameFlow, per };
}

/** One claim: `says`, then a condition's keys, or `observe` with the value it `is`. */
function readClaim(y: YamlBlock, node: YNode, scope: LessonScope): Claim {
  const m = y.map(node, 'a check', ['says', 'observe', 'is', ...CONDITION_KEYS]);
  const says = y.string(y.required(m, 'says', 'a check', node), 'says');
  const line = y.lineOf(node);
  if (m.has('observe')) {
    for (const k of m.keys())
      if (!['says', 'observe', 'is'].includes(k))
        y.fail(node, `a check with "observe" has only says, observe and is, not "${k}"`);
    const observe = readObservation(y, m.get('observe'), scope);
    return { says, observe, is: y.value(y.required(m, 'is', 'a check with observe', node)), line };
  }
  if (m.has('is')) y.fail(m.get('is'), '"is" goes with "observe"');
  return { says, holds: readCondition(y, node, scope, ['says']), line };
}

export function readCheck(y: YamlBlock, node: YNode, scope: LessonScope): Claim[] {
  return y.list(node, 'check').map((c) => readClaim(y, c, scope));
}

export function readPredict(y: YamlBlock, node: YNode, scope: LessonScope): Prediction {
  const keys = ['question', 'choices', 'observe', 'expect', 'explain', 'settleMs'];
  const m = y.map(node, 'predict', keys);
  const question = y.string(y.required(m, 'question', 'predict', node), 'predict.question');
  const choiceNodes = y.list(y.required(m, 'choices', 'predict', node), 'predict.choices');
  if (choiceNodes.length < 2) y.fail(m.get('choices'), 'predict.choices needs at least 2 choices');
  const choices: Choice[] = choiceNodes.map((c, i) => {
    const cm = y.map(c, `predict.choices[${i}]`, ['text', 'value']);
    const text = y.string(y.required(cm, 'text', `predict.choices[${i}]`, c), 'choice text');
    return { text, value: y.value(y.required(cm, 'value', `predict.choices[${i}]`, c)) };
  });
  const observe = readObservation(y, y.required(m, 'observe', 'predict', node), scope);
  const expect = y.int(
    y.required(m, 'expect', 'predict', node),
    'predict.expect',
    0,
    choices.length - 1,
  );
  const explain = m.has('explain') ? y.string(m.get('explain'), 'predict.explain') : undefined;
  const settleMs = m.has('settleMs') ? y.int(m.get('settleMs'), 'settleMs', 0, 10_000) : 500;
  return { question, choices, observe, expect, explain, settleMs };
}

export function readHighlight(y: YamlBlock, node: YNode): string[] {
  return y.list(node, 'highlight').map((h) => {
    const id = y.string(h, 'highlight');
    if (!HIGHLIGHT.test(id))
      y.fail(
        h,
        `"${id}" is not a stage element: use redis, server:s1, client:c1, line:s1:pub, channel:NAME or pattern:GLOB`,
      );
    return id;
  });
}
