/**
 * Real labs for the integration and browser tests: real Redis (the suite's redis-server, or a
 * fresh one the lab owns), or the embedded broker; real Socket.IO servers on free ports; real
 * socket.io-client clients. Nothing is mocked.
 */
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { freePortBlock } from '../../server/free-port.ts';
import { RedisProcess } from '../../server/redis-process.ts';
import { redisVersion, type RedisChoice } from '../../server/redis-finder.ts';
import { startLab, type RunningLab, type StartLabOptions } from '../../server/start-lab.ts';
import { PortInUseError } from '../../server/server-node.ts';
import type { Envelope, LabEvent } from '../../trace/events.ts';
import type { ApiCall, ApiRefusal } from '../../trace/api-calls.ts';

export type Backend = 'redis' | 'broker';

/** The backends every shared suite runs on. LAB_BACKENDS=redis narrows it while debugging. */
export const BACKENDS: Backend[] = (process.env.LAB_BACKENDS?.split(',') as
  Backend[] | undefined) ?? ['redis', 'broker'];

/**
 * A Redis for one lab. `shared` uses the suite's redis-server (fast); `owned` starts one the lab
 * controls (for outage tests); the broker backend always gets its own embedded broker.
 */
export async function redisFor(
  backend: Backend,
  kind: 'shared' | 'owned' = 'shared',
): Promise<RedisChoice> {
  if (backend === 'broker') {
    const { EmbeddedBroker } = await import('../../server/broker/broker.ts');
    const broker = await EmbeddedBroker.start();
    return {
      url: broker.url,
      kind: 'embedded',
      reason: 'test',
      version: await redisVersion(broker.url),
      managed: broker,
    };
  }
  if (kind === 'owned') {
    const redis = await RedisProcess.start();
    return {
      url: redis.url,
      kind: 'spawned',
      reason: 'test',
      version: await redisVersion(redis.url),
      managed: redis,
    };
  }
  const url = inject('redisUrl');
  return { url, kind: 'external', reason: 'test', version: await redisVersion(url) };
}

/** Other processes (parallel runs, benches) may take a port between the check and the listen: try another block. */
async function startOnFreePorts(
  servers: number,
  start: (block: number) => Promise<RunningLab>,
): Promise<RunningLab> {
  for (let attempt = 1; ; attempt++) {
    try {
      // The hub, s1..sN, and room for servers added later.
      return await start(await freePortBlock(servers + 5));
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === 3) throw err;
    }
  }
}

export interface TestLab extends RunningLab {
  /** Every event the hub got, in arrival order. */
  events: LabEvent[];
  /** Resolves with the first event (from now on, or already seen when `past`) that matches. */
  waitForEvent(
    pred: (e: LabEvent) => boolean,
    opts?: { timeoutMs?: number; past?: boolean },
  ): Promise<LabEvent>;
  /** A real socket.io-client connected to a server of the lab. */
  client(server: string, opts?: { labClient?: string }): Promise<Socket>;
  admin: Redis;
  /** Sends a typed call (trace/api-calls.ts): the same client the page and the lessons use. */
  send<T>(call: ApiCall<T>, token?: string): Promise<{ status: number; body: T }>;
  /** Sends a typed call the hub is expected to refuse: the body is its `{error, field?}`. */
  refusal(call: ApiCall, token?: string): Promise<{ status: number; body: ApiRefusal }>;
  /**
   * The untyped form, only for requests no builder makes: malformed bodies, unknown routes or
   * methods. Everything else goes through `send` (docs/api.md).
   */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>;
}

const opened: TestLab[] = [];

export async function makeLab(
  backend: Backend,
  options: Omit<Partial<StartLabOptions>, 'balancer'> & {
    redisKind?: 'shared' | 'owned';
    /** The balancer (off unless `mode` says), on the block's last port unless `port` says. */
    balancer?: Partial<NonNullable<StartLabOptions['balancer']>>;
  } = {},
): Promise<TestLab> {
  const redis = options.redis ?? (await redisFor(backend, options.redisKind));
  const servers = options.servers ?? 3;
  const running = await startOnFreePorts(servers, async (block) => {
    // A failed start stops the Redis the lab owned; the next attempt needs it back.
    if (redis.managed && !redis.managed.running) await redis.managed.start();
    return startLab({
      // One free block: the hub first, then s1..sN, then room for servers added later, and last
      // the balancer's port.
      port: block,
      basePort: block + 1,
      servers,
      // A fresh monitor channel per lab, so labs sharing the suite's Redis don't hear each other.
      monitorChannel: `lab:monitor:${block}`,
      ...options,
      // Off unless asked for, but on a port of the block: a lesson may switch it on.
      balancer: { mode: 'off', port: block + servers + 4, ...options.balancer },
      redis,
    });
  });
  // Whatever the hub got while the lab started, then everything after.
  const events: LabEvent[] = running.lab.ring.last();
  const waiters = new Set<{ pred: (e: LabEvent) => boolean; resolve: (e: LabEvent) => void }>();
  running.lab.on('trace', (env: Envelope) => {
    for (const e of env.events) {
      events.push(e);
      for (const w of waiters) {
        if (!w.pred(e)) continue;
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  const sockets: Socket[] = [];
  const admin = new Redis(redis.url, {
    connectionName: 'test:admin',
    retryStrategy: () => 200,
    maxRetriesPerRequest: null,
  });
  admin.on('error', () => undefined);
  const lab: TestLab = {
    ...running,
    events,
    admin,
    waitForEvent(pred, opts = {}) {
      if (opts.past) {
        const seen = events.find(pred);
        if (seen) return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w))
            reject(new Error(`no matching event within ${opts.timeoutMs ?? 10_000} ms`));
        }, opts.timeoutMs ?? 10_000);
      });
    },
    async client(server, opts = {}) {
      const port = running.lab.server(server).port;
      const socket = connect(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
        auth: opts.labClient ? { labClient: opts.labClient } : {},
        reconnectionDelay: 200,
        reconnectionDelayMax: 1000,
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        setTimeout(() => reject(new Error(`client could not connect to ${server}`)), 10_000);
      });
      return socket;
    },
    send(call, token) {
      return this.api(call.method, call.path, call.body, token);
    },
    refusal(call, token) {
      return this.api<ApiRefusal>(call.method, call.path, call.body, token);
    },
    async api(method, path, body, token) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    close: async () => {
      for (const s of sockets) s.disconnect();
      admin.disconnect();
      await running.close();
    },
  };
  opened.push(lab);
  return lab;
}

/** Resolves with the next `event` the socket receives, or rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  socket: Socket,
  event: string,
  timeoutMs = 5000,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: T[]) => {
      clearTimeout(timer);
      socket.off(event, on);
      resolve(args);
    };
    socket.on(event, on);
  });
}

/**
 * Collects what the socket receives of `event` until `settleMs` passes with nothing new. Used to
 * show that something did NOT arrive: the wait is after a message that did arrive elsewhere.
 */
export function collect(socket: Socket, event: string): { values: unknown[][]; stop(): void } {
  const values: unknown[][] = [];
  const on = (...args: unknown[]) => values.push(args);
  socket.on(event, on);
  return { values, stop: () => socket.off(event, on) };
}

/** Waits until `check` is true, polling; for state that has no event of its own (e.g. CLIENT LIST). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function numsub(admin: Redis, channel: string): Promise<number> {
  const reply = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

/**
 * The names of the connections on the Redis. With `lab`, only that lab's (`s1:pub@k3f9`), as
 * the lab knows them (`s1:pub`): labs of other tests may share the suite's Redis.
 */
export async function clientNames(admin: Redis, lab?: string): Promise<string[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  const names = list
    .split('\n')
    .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
    .filter(Boolean);
  if (lab === undefined) return names;
  const suffix = `@${lab}`;
  return names.filter((n) => n.endsWith(suffix)).map((n) => n.slice(0, -suffix.length));
}

export async function closeAllLabs(): Promise<void> {
  await Promise.allSettled(opened.splice(0).map((l) => l.close()));
}
