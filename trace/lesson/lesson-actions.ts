/**
 * A lesson action as the control API call that performs it (docs/api.md), built with the typed
 * builders of api-calls.ts. The page, the headless test and curl all go through the same door.
 */
import { apiCalls as api, type ApiCall, type ClientSpec } from '../api-calls.ts';
import type { LessonAction, LessonSetup, SetupClient } from './lesson-types.ts';

export type { ApiCall };

/** The commands the hub lets a lesson try on a sub connection (`POST /api/servers/{id}/sub-command`). */
export const SUB_COMMANDS = ['PING', 'ECHO', 'PUBLISH'] as const;

/** The Redis console's connections, and the commands it runs (server/redis-console.ts). */
export const CONSOLE_CONNECTIONS = ['A', 'B', 'C'] as const;
export const CONSOLE_COMMANDS = [
  'PING', 'ECHO', 'HELLO', 'PUBLISH', 'SPUBLISH', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE',
  'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE', 'PUBSUB',
] as const; // prettier-ignore

/**
 * The rebuild itself. `resp` is always sent (3, ioredis's default, when the lesson says nothing)
 * because the hub keeps the last one it was given: a lesson left on RESP2 must not leak into the next.
 */
export function setupCall(setup: LessonSetup): ApiCall {
  return api.setup({
    servers: setup.servers,
    adapter: setup.adapter,
    ...(setup.subscriptionMode ? { subscriptionMode: setup.subscriptionMode } : {}),
    resp: setup.resp ?? 3,
    ...(setup.balancer ? { balancer: setup.balancer } : {}),
    ...(setup.cluster ? { cluster: setup.cluster } : {}),
    clients: setup.clients.map(clientBody),
  });
}

/** A client as POST /api/clients and a setup's `clients` take it. */
function clientBody(c: SetupClient): ClientSpec {
  return {
    ...(c.server ? { server: c.server } : {}),
    rooms: c.rooms,
    ...(c.nsp ? { nsp: c.nsp } : {}),
    ...(c.via ? { via: c.via } : {}),
    ...(c.transports ? { transports: c.transports } : {}),
  };
}

/**
 * The calls a setup makes: what a lesson left halfway may have left behind goes first (the hub's
 * rebuild keeps these: a stray subscriber makes every later fetchSockets time out, a console
 * connection subscribed to a request channel counts as a server, a plain app holds a port,
 * locked channels would refuse the next lesson's outsider), then the rebuild.
 */
export function setupCalls(setup: LessonSetup): ApiCall[] {
  return [
    api.straySubscriber(false),
    api.consoleClose(),
    api.plainAppStop(),
    api.lockdown(false),
    setupCall(setup),
  ];
}

/** The calls that perform an action, in order. `clientId` turns the lesson's client names into the lab's ids. */
export function apiCallsOf(action: LessonAction, clientId: (name: string) => string): ApiCall[] {
  return 'setup' in action ? setupCalls(action.setup) : [apiCallOf(action, clientId)];
}

/** The one call of an action; a setup's own call is `setupCall` (see `apiCallsOf`). */
export function apiCallOf(action: LessonAction, clientId: (name: string) => string): ApiCall {
  if ('stop' in action) return api.server(action.stop, 'stop');
  if ('crash' in action) return api.server(action.crash, 'crash');
  if ('start' in action) return api.server(action.start, 'start');
  if ('redis' in action) return api.redis(action.redis);
  if ('removeClient' in action) return api.removeClient(clientId(action.removeClient));
  if ('emit' in action) {
    const { client, event, args } = action.emit;
    return api.emit(clientId(client), event, args);
  }
  if ('addClient' in action) return api.addClients({ ...clientBody(action.addClient), count: 1 });
  if ('balancer' in action) return api.balancer(action.balancer);
  if ('subCommand' in action)
    return api.subCommand(action.subCommand.server, [...action.subCommand.args]);
  if ('straySubscriber' in action) return api.straySubscriber(action.straySubscriber === 'on');
  if ('together' in action)
    return api.emitTogether(action.together.map((e) => ({ ...e, client: clientId(e.client) })));
  if ('serversEmit' in action) return api.serversEmit(action.serversEmit);
  if ('console' in action) return api.consoleRun(action.console);
  if ('plainApp' in action) {
    const p = action.plainApp;
    if ('stop' in p) return api.plainAppStop();
    if ('emit' in p) return api.plainAppEmit(p.emit);
    return api.plainAppStart(p.start);
  }
  if ('lockdown' in action) return api.lockdown(action.lockdown === 'on');
  if ('outsider' in action) return api.outsiderPublish(action.outsider);
  if ('cut' in action) return api.cut(action.cut.server, { mode: action.cut.mode });
  if ('heal' in action) return api.heal(action.heal);
  if ('burst' in action) {
    const { client, count, bytes } = action.burst;
    return api.burst(clientId(client), { count, bytes });
  }
  return setupCall(action.setup);
}

function describeClient(c: SetupClient): string {
  const how = c.transports ? ', long-polling first' : '';
  return c.via ? `add a client through the balancer${how}` : `add a client on ${c.server}${how}`;
}

function quoteWords(args: readonly string[]): string {
  return args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
}

/** A short label for buttons and logs, e.g. "crash s2" or "c1 emits chat message". */
export function describeAction(action: LessonAction): string {
  if ('stop' in action) return `stop ${action.stop}`;
  if ('crash' in action) return `crash ${action.crash}`;
  if ('start' in action) return `start ${action.start}`;
  if ('redis' in action) return `${action.redis} Redis`;
  if ('removeClient' in action) return `remove ${action.removeClient}`;
  if ('emit' in action) return `${action.emit.client} emits "${action.emit.event}"`;
  if ('addClient' in action) return describeClient(action.addClient);
  if ('balancer' in action) return `switch the balancer to ${action.balancer}`;
  if ('subCommand' in action)
    return `${action.subCommand.server}'s sub connection sends ${quoteWords(action.subCommand.args)}`;
  if ('straySubscriber' in action)
    return action.straySubscriber === 'on'
      ? 'add a stray subscriber'
      : 'remove the stray subscriber';
  if ('together' in action)
    return action.together.map((e) => `${e.client} emits "${e.event}"`).join(' and ') + ' at once';
  if ('serversEmit' in action)
    return `every server calls ${action.serversEmit.local ? 'io.local.emit' : 'io.emit'}("${action.serversEmit.event}")`;
  if ('console' in action)
    return `console ${action.console.connection}: ${quoteWords(action.console.args)}`;
  if ('plainApp' in action) {
    const p = action.plainApp;
    if ('stop' in p) return 'stop the plain app';
    if ('emit' in p) return "the plain app's client sends a chat message";
    return `start the plain app ${p.start.guard ? 'with' : 'without'} error handlers`;
  }
  if ('lockdown' in action)
    return action.lockdown === 'on'
      ? 'lock the channels down with an ACL user'
      : 'open the channels again';
  if ('outsider' in action)
    return 'event' in action.outsider
      ? `someone outside the lab forges "${action.outsider.event}"`
      : `someone outside the lab publishes on ${action.outsider.channel}`;
  if ('cut' in action) {
    const { server, mode } = action.cut;
    if (mode === 'slow') return `${server}'s subscriber stops reading`;
    return mode === 'freeze' ? `freeze ${server}'s link to Redis` : `cut ${server} off Redis`;
  }
  if ('heal' in action) return `heal ${action.heal}'s link to Redis`;
  if ('burst' in action)
    return `${action.burst.client} sends ${action.burst.count} chat messages of ${action.burst.bytes} characters`;
  const { servers, adapter, resp } = action.setup;
  return `rebuild the lab (${servers} servers, ${adapter} adapter, RESP${resp ?? 3})`;
}
