/**
 * The parts of a lesson's YAML (setup, actions, conditions, tasks, predictions), each read
 * with the line it came from so a mistake is reported where the author made it.
 */
import type { EventKind } from './events.ts';
import { SUB_COMMANDS } from './lesson-actions.ts';
import type {
  Choice,
  Condition,
  EventMatcher,
  LessonAction,
  LessonSetup,
  LessonTask,
  Observation,
  Prediction,
} from './lesson-types.ts';
import { suggest, type YamlBlock, type YNode } from './lesson-yaml.ts';

// A Record, so a new event kind in events.ts is a compile error here until it is listed.
const KINDS: Record<EventKind, true> = {
  'server.up': true,
  'server.down': true,
  'redis.connect': true,
  'redis.disconnect': true,
  'redis.command': true,
  'adapter.attach': true,
  'client.transport': true,
  'client.connect': true,
  'client.disconnect': true,
  'room.join': true,
  'room.leave': true,
  'client.emit': true,
  publish: true,
  'publish.result': true,
  receive: true,
  deliver: true,
  'client.receive': true,
  'monitor.mode': true,
  counters: true,
  'lab.notice': true,
};
export const EVENT_KINDS = Object.keys(KINDS) as EventKind[];

/** Every field name an event of trace/events.ts has; a matcher may only use these. */
const EVENT_FIELDS = [
  'kind', 'server', 'step', 'flow', 'port', 'adapter', 'subscriptionMode', 'reason', 'role',
  'name', 'clientId', 'duplicated', 'error', 'command', 'args', 'reply', 'uid', 'nsp',
  'channels', 'socketId', 'transport', 'client', 'room', 'closing', 'event', 'bytes', 'channel',
  'message', 'plumbing', 'pubId', 'receivers', 'ms', 'pattern', 'via', 'decision', 'sockets',
  'origin', 'rooms', 'except', 'count', 'local', 'mode', 'topic', 'text', 'protocol',
]; // prettier-ignore

export const ADAPTER_KINDS = ['redis', 'sharded', 'none'] as const;
export const SUBSCRIPTION_MODES = ['static', 'dynamic', 'dynamic-private'] as const;
const SERVER_ID = /^s([1-9]\d?)$/;
const CLIENT_ID = /^c([1-9]\d{0,2})$/;
const HIGHLIGHT = /^(redis|server:s\d+|client:c\d+|line:s\d+:(pub|sub)|(channel|pattern):.+)$/;

/** What the lesson has made so far, so `stop: s4` in a 3-server lesson is caught early. */
export interface LessonScope {
  servers: number;
  clients: number;
}

export function readSetup(y: YamlBlock, node: YNode, what = 'setup'): LessonSetup {
  const m = y.map(node, what, ['servers', 'adapter', 'subscriptionMode', 'resp', 'clients']);
  const servers = y.int(y.required(m, 'servers', what, node), `${what}.servers`, 1, 10);
  const adapter = y.choice(y.required(m, 'adapter', what, node), `${what}.adapter`, ADAPTER_KINDS);
  const modeNode = m.get('subscriptionMode');
  const subscriptionMode = modeNode
    ? y.choice(modeNode, `${what}.subscriptionMode`, SUBSCRIPTION_MODES)
    : undefined;
  if (subscriptionMode && adapter !== 'sharded')
    y.fail(modeNode, `${what}.subscriptionMode only applies to adapter: sharded`);
  const resp = m.has('resp') ? (y.int(m.get('resp'), `${what}.resp`, 2, 3) as 2 | 3) : undefined;
  const clientNodes = m.get('clients') ? y.list(m.get('clients'), `${what}.clients`) : [];
  const clients = clientNodes.map((c, i) => {
    const where = `${what}.clients[${i}]`;
    const cm = y.map(c, where, ['server', 'rooms']);
    const server = serverRef(y, y.required(cm, 'server', where, c), { servers, clients: 0 });
    const rooms = cm.get('rooms') ? roomList(y, cm.get('rooms'), `${where}.rooms`) : [];
    return { server, rooms };
  });
  return { servers, adapter, subscriptionMode, ...(resp ? { resp } : {}), clients };
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
  'redis',
  'emit',
  'addClient',
  'removeClient',
  'setup',
  'subCommand',
  'straySubscriber',
];

/** The hub's limits for a sub-command: a command it allows and at most 4 arguments of 200 characters. */
function readSubCommand(y: YamlBlock, node: YNode, scope: LessonScope) {
  const sm = y.map(node, 'subCommand', ['server', 'args']);
  const server = serverRef(y, y.required(sm, 'server', 'subCommand', node), scope);
  const argsNode = y.required(sm, 'args', 'subCommand', node);
  const args = y.list(argsNode, 'subCommand.args').map((a) => {
    const v = y.value(a);
    if ((typeof v !== 'string' && typeof v !== 'number') || String(v).length > 200)
      y.fail(a, 'subCommand.args are words or numbers of at most 200 characters');
    return String(v);
  });
  if (args.length === 0)
    y.fail(argsNode, 'subCommand.args needs a command, e.g. [PUBLISH, demo, hi]');
  const command = args[0].toUpperCase();
  if (!(SUB_COMMANDS as readonly string[]).includes(command))
    y.fail(argsNode, `subCommand runs one of ${SUB_COMMANDS.join(', ')}, not "${args[0]}"`);
  if (args.length > 5) y.fail(argsNode, 'subCommand.args: a command and at most 4 arguments');
  return { server, args: [command, ...args.slice(1)] };
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
    case 'emit': {
      const em = y.map(arg, 'emit', ['client', 'event', 'args']);
      const client = clientRef(y, y.required(em, 'client', 'emit', arg), scope);
      const event = y.string(y.required(em, 'event', 'emit', arg), 'emit.event');
      const args = em.get('args') ? y.list(em.get('args'), 'emit.args').map((a) => y.value(a)) : [];
      return { emit: { client, event, args } };
    }
    case 'subCommand':
      return { subCommand: readSubCommand(y, arg, scope) };
    case 'straySubscriber':
      return { straySubscriber: y.choice(arg, 'straySubscriber', ['on', 'off'] as const) };
    case 'addClient': {
      const am = y.map(arg, 'addClient', ['server', 'rooms']);
      const server = serverRef(y, y.required(am, 'server', 'addClient', arg), scope);
      const rooms = am.get('rooms') ? roomList(y, am.get('rooms'), 'addClient.rooms') : [];
      scope.clients += 1;
      return { addClient: { server, rooms } };
    }
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
  const m = y.map(node, 'an event matcher', [
    ...EVENT_FIELDS,
    ...EVENT_FIELDS.map((f) => `${f}.name`),
  ]);
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
  'sameFlow',
  'server',
  'client',
  'redis',
  'state',
  'all',
  'any',
];

export function readCondition(y: YamlBlock, node: YNode, scope: LessonScope): Condition {
  const m = y.map(node, 'a condition', CONDITION_KEYS);
  const has = (k: string) => m.has(k);
  const only = (allowed: string[], what: string) => {
    for (const k of m.keys())
      if (!allowed.includes(k)) y.fail(node, `${what} cannot also have "${k}"`);
  };
  if (has('event')) {
    only(['event', 'count', 'sameFlow'], 'an event condition');
    return {
      event: readMatcher(y, m.get('event'), scope),
      count: has('count') ? y.int(m.get('count'), 'count', 1, 10_000) : undefined,
      sameFlow: has('sameFlow') ? y.bool(m.get('sameFlow'), 'sameFlow') : undefined,
    };
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
  return y.fail(node, 'a condition needs one of event, reply, server, client, redis, all or any');
}

export function readTask(y: YamlBlock, node: YNode, scope: LessonScope): LessonTask {
  const m = y.map(node, 'task', ['text', 'done', 'showMe']);
  const text = y.string(y.required(m, 'text', 'task', node), 'task.text');
  const showMe = readActions(y, y.required(m, 'showMe', 'task', node), scope);
  const done = readCondition(y, y.required(m, 'done', 'task', node), scope);
  return { text, done, showMe };
}

function readObservation(y: YamlBlock, node: YNode, scope: LessonScope): Observation {
  const m = y.map(node, 'predict.observe', ['event', 'reply', 'sameFlow', 'collect']);
  const collect = y.string(y.required(m, 'collect', 'predict.observe', node), 'collect');
  if (m.has('reply')) {
    if (m.has('event') || m.has('sameFlow'))
      y.fail(
        node,
        'predict.observe looks at events (event, sameFlow) or at replies (reply), not both',
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
  return { event, collect, sameFlow };
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
