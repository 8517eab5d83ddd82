/**
 * The hub's control API (docs/api.md) as typed call builders: one function per route, which
 * builds the method, the path (ids encoded) and the body, and names the reply's type. The page's
 * LabApi (`send(call)`), the lessons and the tests all build their calls here, so a path is
 * spelled once; `server/hub/api-calls.test.ts` checks every builder against the hub's route
 * table, and every route against a builder. Pure: it builds calls, it sends nothing.
 */
import type { LabEvent } from './events.ts';
import type { ClientTransports, LabInfo } from './lab-info.ts';

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

/** One call of the control API. `R` is the type of the reply's body (never sent). */
export interface ApiCall<R = unknown> {
  method: ApiMethod;
  path: string;
  body?: unknown;
  /** Carries the reply's type to the sender; always undefined. */
  readonly reply?: R;
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

/** A lab client as the API lists it (server/lab-clients.ts LabClientInfo, in part). */
export interface MadeClient {
  id: string;
  server: string;
  state: string;
  socketId?: string;
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
  state: () => call<{ v: number; state: unknown }>('GET', '/api/state'),
  resetTrace: () => call<{ events: number }>('POST', '/api/lab/reset-trace'),
  setup: (body: SetupBody) => call('POST', '/api/lab/setup', body),

  server: (id: string, action: ServerAction) => call('POST', `/api/servers/${enc(id)}/${action}`),
  cut: (id: string, body: { mode?: 'reset' | 'freeze' | 'slow'; limit?: string } = {}) =>
    call('POST', `/api/servers/${enc(id)}/cut`, body),
  heal: (id: string) => call('POST', `/api/servers/${enc(id)}/heal`),
  subCommand: (id: string, args: string[]) =>
    call('POST', `/api/servers/${enc(id)}/sub-command`, { args }),
  addServer: () => call<{ id: string; port: number }>('POST', '/api/servers', {}),
  removeServer: (id: string) => call('DELETE', `/api/servers/${enc(id)}`),
  serversEmit: (body: { event: string; args?: unknown[]; local?: boolean }) =>
    call('POST', '/api/servers/emit', body),

  redis: (action: 'stop' | 'start') => call('POST', `/api/redis/${action}`),
  redisNode: (name: string, action: 'stop' | 'start') =>
    call('POST', `/api/redis/nodes/${enc(name)}/${action}`),
  straySubscriber: (on: boolean) =>
    call<{ straySubscriber: boolean }>(on ? 'POST' : 'DELETE', '/api/redis/stray-subscriber'),
  outsiderPublish: (body: unknown) => call('POST', '/api/redis/publish', body),
  lockdown: (on: boolean) => call(on ? 'POST' : 'DELETE', '/api/redis/lockdown'),
  consoleState: () => call<{ connections: unknown[] }>('GET', '/api/redis/console'),
  consoleRun: (body: { connection: string; args: unknown }) =>
    call('POST', '/api/redis/console', body),
  consoleClose: () => call('DELETE', '/api/redis/console'),

  plainAppState: () => call('GET', '/api/plain-app'),
  plainAppStart: (body: unknown) => call('POST', '/api/plain-app', body),
  plainAppEmit: (text: string) => call('POST', '/api/plain-app/emit', { text }),
  plainAppStop: () => call('DELETE', '/api/plain-app'),

  addClients: (body: ClientSpec & { count?: number }) =>
    call<MadeClient[]>('POST', '/api/clients', body),
  removeClient: (id: string) => call<{ removed: string }>('DELETE', `/api/clients/${enc(id)}`),
  emit: (id: string, event: string, args: unknown[] = []) =>
    call<{ client: string; event: string; reply: unknown }>(
      'POST',
      `/api/clients/${enc(id)}/emit`,
      { event, args },
    ),
  burst: (id: string, body: { count?: number; bytes?: number } = {}) =>
    call('POST', `/api/clients/${enc(id)}/burst`, body),
  emitTogether: (emits: { client: string; event: string; args?: unknown[] }[]) =>
    call('POST', '/api/clients/emit-together', { emits }),

  balancer: (mode: string) => call('POST', '/api/balancer', { mode }),

  lessonClaim: (body: { id: string; title: string; holder: string }) =>
    call('POST', '/api/lesson', body),
  lessonStep: (holder: string, step: number) => call('POST', '/api/lesson/step', { holder, step }),
  lessonRelease: (holder: string) => call('DELETE', `/api/lesson?holder=${enc(holder)}`),

  join: (name: string) => call('POST', '/api/join', { name }),
  classChange: (body: Record<string, unknown>) => call('POST', '/api/class', body),
  classClearStudents: () => call('DELETE', '/api/class/students'),
  classRemoveStudent: (id: string) => call('DELETE', `/api/class/students/${enc(id)}`),
  classVote: (body: Record<string, unknown>) => call('POST', '/api/class/vote', body),
  classVoteClose: (body: Record<string, unknown> = {}) =>
    call('POST', '/api/class/vote/close', body),
  classVoteEnd: () => call('DELETE', '/api/class/vote'),

  /** `page` is the id of the page's one `/lab` socket: its reports last as long as it does. */
  pageClients: (page: string, clients: PageClientReport[]) =>
    call<{ clients: number }>('POST', '/api/page/clients', { page, clients }),
  pageReceipts: (page: string, receipts: PageReceipt[]) =>
    call<{ receipts: number }>('POST', '/api/page/receipts', { page, receipts }),
};

export type ApiCalls = typeof apiCalls;
