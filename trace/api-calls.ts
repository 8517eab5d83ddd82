/**
 * The hub's control API (docs/api.md) as typed call builders: one function per route, which
 * builds the method, the path (ids encoded) and the body, and names the reply's type. The page's
 * LabApi (`send(call)`), the lessons and the tests all build their calls here, so a path is
 * spelled once; `server/hub/api-calls.test.ts` checks every builder against the hub's route
 * table, and every route against a builder. Pure: it builds calls, it sends nothing.
 */
import type { ConsoleLine, LabEvent } from './events.ts';
import type {
  ClassInfo,
  ClassVoteInfo,
  ClientTransports,
  ClusterNodeInfo,
  LabInfo,
} from './lab-info.ts';
import type { JoinAnswer } from './phone-protocol.ts';
import type { LabState } from './state.ts';

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

/** One call of the control API. `R` is the type of the reply's body (never sent). */
export interface ApiCall<R = unknown> {
  method: ApiMethod;
  path: string;
  body?: unknown;
  /** Carries the reply's type to the sender; always undefined. */
  readonly reply?: R;
}

/**
 * What the hub answers when it refuses a call, with a 4xx (docs/api.md): one sentence that says
 * what to do, and the field of the body at fault.
 */
export interface ApiRefusal {
  error: string;
  field?: string;
}

function call<R = unknown>(method: ApiMethod, path: string, body?: unknown): ApiCall<R> {
  return body === undefined ? { method, path } : { method, path, body };
}

const enc = encodeURIComponent;

/** A client as `POST /api/clients` and a setup's `clients` take it. */
export interface ClientSpec {
  server?: string;
  rooms?: string[];
  nsp?: string;
  via?: 'server' | 'balancer';
  transports?: ClientTransports;
}

/** A lab client as the API lists it (`POST /api/clients` answers the ones it made). */
export type MadeClient = LabInfo['clients'][number];

/** A server as the API lists it: the server calls answer the one they changed. */
export type ListedServer = LabInfo['servers'][number];

/** `POST /api/servers/{id}/sub-command`: what the server's sub connection answered. */
export interface SubCommandReply {
  connection: string;
  protocol: 2 | 3;
  reply?: unknown;
  error?: string;
}

/** `POST /api/redis/publish`: an outsider's publish, forged (`event`) or raw (`channel`). */
export type OutsiderBody =
  | { event: string; args?: unknown[]; room?: string }
  | { channel: string; text?: string; hex?: string; command?: 'PUBLISH' | 'SPUBLISH' };

/** What Redis made of an outsider's publish (server/outsider.ts answers it). */
export interface OutsiderReply {
  /** The connection's name in CLIENT LIST. */
  connection: string;
  user: string;
  command: 'PUBLISH' | 'SPUBLISH';
  channel: string;
  bytes: number;
  /** Redis's reply: how many subscribed connections got it. */
  receivers?: number;
  /** Redis's refusal, e.g. NOPERM once the channels are locked down. */
  error?: string;
}

/** `POST` (`lockedDown: true`, with the user and its rules) or `DELETE /api/redis/lockdown`. */
export interface LockdownReply {
  lockedDown: boolean;
  user?: string;
  rules?: string[];
}

/** One line of a console connection's transcript, as `GET /api/redis/console` returns it. */
export type ConsoleRecord = Pick<
  ConsoleLine,
  'connection' | 'dir' | 'command' | 'args' | 'value' | 'error' | 'resp' | 'node'
> & { t: number };

/** One of the Redis console's connections (server/redis-console.ts `state()`). */
export interface ConsoleConnectionState {
  name: string;
  open: boolean;
  protocol: 2 | 3 | null;
  subscriptions: { channels: string[]; patterns: string[]; shardChannels: string[] } | null;
  /** On a Redis Cluster: the nodes it has sockets on. */
  nodes?: string[];
  skippedMonitorMessages: number;
  lines: ConsoleRecord[];
}

/** `GET /api/redis/console` (and what closing it answers). */
export interface ConsoleState {
  connections: ConsoleConnectionState[];
}

/** `POST /api/redis/console`: every frame Redis sent back; on a cluster, the node that answered. */
export interface ConsoleReply {
  connection: string;
  node?: string;
  replies: unknown[];
}

/** The plain app (server/plain-app-runner.ts `state()`). */
export interface PlainAppState {
  running: boolean;
  pid: number | null;
  port: number | null;
  guard?: boolean;
  offlineQueue?: boolean;
  lastExit: { code: number | null; signal: string | null; text?: string } | null;
}

export interface SetupBody {
  servers?: number;
  adapter?: string;
  subscriptionMode?: string;
  resp?: 2 | 3;
  balancer?: string;
  cluster?: 'required';
  clients?: ClientSpec[];
}

/** What a page client says about itself (`POST /api/page/clients`). */
export interface PageClientReport {
  id: string;
  server: string;
  socketId?: string;
  rooms: string[];
  state: 'connected' | 'disconnected';
  via?: 'server' | 'balancer';
  transports?: string[];
}

/** One thing a page client received (`POST /api/page/receipts`), for step 10. */
export interface PageReceipt {
  client: string;
  socketId: string;
  server: string;
  event: string;
  args: unknown[];
}

export type ServerAction = 'stop' | 'crash' | 'start';

export const apiCalls = {
  lab: () => call<LabInfo>('GET', '/api/lab'),
  trace: (limit?: number) =>
    call<{ v: number; events: LabEvent[] }>(
      'GET',
      limit === undefined ? '/api/trace' : `/api/trace?limit=${limit}`,
    ),
  state: () => call<{ v: number; state: LabState }>('GET', '/api/state'),
  resetTrace: () => call<{ events: number }>('POST', '/api/lab/reset-trace'),
  setup: (body: SetupBody) => call<LabInfo>('POST', '/api/lab/setup', body),

  server: (id: string, action: ServerAction) =>
    call<ListedServer>('POST', `/api/servers/${enc(id)}/${action}`),
  cut: (id: string, body: { mode?: 'reset' | 'freeze' | 'slow'; limit?: string } = {}) =>
    call<ListedServer>('POST', `/api/servers/${enc(id)}/cut`, body),
  heal: (id: string) => call<ListedServer>('POST', `/api/servers/${enc(id)}/heal`),
  subCommand: (id: string, args: string[]) =>
    call<SubCommandReply>('POST', `/api/servers/${enc(id)}/sub-command`, { args }),
  addServer: () => call<ListedServer>('POST', '/api/servers', {}),
  removeServer: (id: string) =>
    call<{ removed: string; servers: ListedServer[] }>('DELETE', `/api/servers/${enc(id)}`),
  /** Every server that is up emits (`local`: to its own sockets only); answers which did. */
  serversEmit: (body: { event: string; args?: unknown[]; local?: boolean }) =>
    call<{ event: string; local: boolean; servers: string[] }>('POST', '/api/servers/emit', body),

  redis: (action: 'stop' | 'start') => call<LabInfo['redis']>('POST', `/api/redis/${action}`),
  redisNode: (name: string, action: 'stop' | 'start') =>
    call<{ nodes: ClusterNodeInfo[] }>('POST', `/api/redis/nodes/${enc(name)}/${action}`),
  straySubscriber: (on: boolean) =>
    call<{ straySubscriber: boolean }>(on ? 'POST' : 'DELETE', '/api/redis/stray-subscriber'),
  outsiderPublish: (body: OutsiderBody) => call<OutsiderReply>('POST', '/api/redis/publish', body),
  lockdown: (on: boolean) => call<LockdownReply>(on ? 'POST' : 'DELETE', '/api/redis/lockdown'),
  consoleState: () => call<ConsoleState>('GET', '/api/redis/console'),
  consoleRun: (body: { connection: string; args: unknown }) =>
    call<ConsoleReply>('POST', '/api/redis/console', body),
  consoleClose: () => call<ConsoleState>('DELETE', '/api/redis/console'),

  plainAppState: () => call<PlainAppState>('GET', '/api/plain-app'),
  plainAppStart: (body: { guard?: boolean; offlineQueue?: boolean } = {}) =>
    call<PlainAppState>('POST', '/api/plain-app', body),
  plainAppEmit: (text: string) => call<{ sent: boolean }>('POST', '/api/plain-app/emit', { text }),
  plainAppStop: () => call<PlainAppState>('DELETE', '/api/plain-app'),

  addClients: (body: ClientSpec & { count?: number }) =>
    call<MadeClient[]>('POST', '/api/clients', body),
  removeClient: (id: string) => call<{ removed: string }>('DELETE', `/api/clients/${enc(id)}`),
  /** `A`: the type of the ack the server answers the event with (undefined when it has none). */
  emit: <A = unknown>(id: string, event: string, args: unknown[] = []) =>
    call<{ client: string; event: string; reply: A }>('POST', `/api/clients/${enc(id)}/emit`, {
      event,
      args,
    }),
  burst: (id: string, body: { count?: number; bytes?: number } = {}) =>
    call<{ client: string; sent: number; bytes: number }>(
      'POST',
      `/api/clients/${enc(id)}/burst`,
      body,
    ),
  emitTogether: (emits: { client: string; event: string; args?: unknown[] }[]) =>
    call<{ emits: { client: string; event: string; args?: unknown[]; reply: unknown }[] }>(
      'POST',
      '/api/clients/emit-together',
      { emits },
    ),

  balancer: (mode: string) =>
    call<NonNullable<LabInfo['balancer']>>('POST', '/api/balancer', { mode }),

  lessonClaim: (body: { id: string; title: string; holder: string }) =>
    call<LabInfo['lesson']>('POST', '/api/lesson', body),
  lessonStep: (holder: string, step: number) =>
    call<LabInfo['lesson']>('POST', '/api/lesson/step', { holder, step }),
  lessonRelease: (holder: string) =>
    call<{ lesson: null }>('DELETE', `/api/lesson?holder=${enc(holder)}`),

  /** Open (no token): a phone asks for a place in the class. */
  join: (name: string) => call<JoinAnswer>('POST', '/api/join', { name }),
  classChange: (body: {
    joining?: 'open' | 'paused';
    chat?: 'open' | 'paused';
    placement?: string | null;
  }) => call<ClassInfo>('POST', '/api/class', body),
  classClearStudents: () => call<{ removed: number }>('DELETE', '/api/class/students'),
  classRemoveStudent: (id: string) =>
    call<{ removed: string; name: string }>('DELETE', `/api/class/students/${enc(id)}`),
  /** Opens a vote; `lesson` and `step`: the lesson's prediction it asks. */
  classVote: (body: { question: string; choices: string[]; lesson?: string; step?: number }) =>
    call<ClassVoteInfo>('POST', '/api/class/vote', body),
  /** Closes the vote; `fits` and `observed`: what the lab did, shown beside the votes. */
  classVoteClose: (body: { fits?: number[]; observed?: string } = {}) =>
    call<ClassVoteInfo>('POST', '/api/class/vote/close', body),
  classVoteEnd: () => call<{ vote: null }>('DELETE', '/api/class/vote'),

  /** `page` is the id of the page's one `/lab` socket: its reports last as long as it does. */
  pageClients: (page: string, clients: PageClientReport[]) =>
    call<{ clients: number }>('POST', '/api/page/clients', { page, clients }),
  pageReceipts: (page: string, receipts: PageReceipt[]) =>
    call<{ receipts: number }>('POST', '/api/page/receipts', { page, receipts }),
};

export type ApiCalls = typeof apiCalls;
