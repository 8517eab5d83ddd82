/**
 * A balancer in front of real Socket.IO servers, without a whole lab: servers with no adapter
 * (no Redis needed), each with the monitor tap reporting in-process, and the lab's LabBalancer
 * of either kind. Plus the clients the lab makes: polling first, or websocket only.
 */
import { io as connect, type Socket } from 'socket.io-client';
import type { HttpRequest, LabEvent } from '../../trace/events.ts';
import type { ClientTransports } from '../../trace/lab-info.ts';
import { freePortBlock } from '../../server/free-port.ts';
import { ServerNode } from '../../server/server-node.ts';
import { ServerTap } from '../../server/monitor/server-tap.ts';
import { LabTapState } from '../../server/monitor/lab-tap-state.ts';
import { LabBalancer } from '../../server/balancer/lab-balancer.ts';
import { findNginx } from '../../server/balancer/nginx-process.ts';
import type { BalancerKind, BalancerMode } from '../../server/balancer/balancer-modes.ts';

/** Both kinds. In CI nginx must be there (.ci/run installs it): a missing one fails. */
export function balancerKinds(): BalancerKind[] {
  if (findNginx()) return ['nginx', 'node'];
  if (process.env.CI)
    throw new Error('nginx is not on PATH; .ci/run installs it (apt-get install nginx).');
  return ['node'];
}

/** A PATH with no nginx on it, for the Node proxy. */
export const PATH_WITHOUT_NGINX = '/nonexistent-for-fanout-lab';

export interface BalancedServers {
  servers: ServerNode[];
  balancer: LabBalancer;
  url: string;
  events: LabEvent[];
  requests(): HttpRequest[];
  waitFor(pred: (e: LabEvent) => boolean, timeoutMs?: number): Promise<LabEvent>;
  /** Resolves with the first `n` events that match, once there are that many. */
  waitForCount(pred: (e: LabEvent) => boolean, n: number): Promise<LabEvent[]>;
  client(transports: ClientTransports, opts?: { reconnection?: boolean; id?: string }): Socket;
  /** Tells the balancer which servers are up, as the lab does after each change. */
  follow(): Promise<void>;
  close(): Promise<void>;
}

export async function balancedServers(
  kind: BalancerKind,
  mode: BalancerMode,
  count = 3,
): Promise<BalancedServers> {
  const block = await freePortBlock(count + 1);
  const events: LabEvent[] = [];
  const waiters = new Set<{ pred: (e: LabEvent) => boolean; resolve: (e: LabEvent) => void }>();
  // One lab's taps: they share its flows and deliveries.
  const state = new LabTapState();
  const servers = Array.from(
    { length: count },
    (_, i) =>
      new ServerNode({
        id: `s${i + 1}`,
        port: block + 1 + i,
        host: '127.0.0.1',
        redisUrl: '',
        adapter: 'none',
        makeTap: (id) =>
          new ServerTap({
            id,
            lab: 'bal1',
            channel: 'lab:monitor',
            state,
            local: (envelope) => {
              for (const e of envelope.events) {
                events.push(e);
                for (const w of waiters) if (w.pred(e) && waiters.delete(w)) w.resolve(e);
              }
            },
          }),
      }),
  );
  for (const s of servers) await s.start();
  const balancer = new LabBalancer({
    host: '127.0.0.1',
    port: block,
    mode,
    pathEnv: kind === 'node' ? PATH_WITHOUT_NGINX : undefined,
  });
  const sockets: Socket[] = [];
  const follow = () =>
    balancer.follow(servers.map((s) => ({ id: s.id, port: s.port, up: s.state === 'up' })));
  await follow();
  return {
    servers,
    balancer,
    url: `http://127.0.0.1:${block}`,
    events,
    requests: () => events.filter((e): e is HttpRequest => e.kind === 'http.request'),
    waitFor(pred, timeoutMs = 10_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        setTimeout(
          () => waiters.delete(w) && reject(new Error(`no such event in ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
    },
    async waitForCount(pred, n) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const seen = events.filter(pred);
        if (seen.length >= n) return seen.slice(0, n);
        if (Date.now() > deadline) throw new Error(`${seen.length} matching events, not ${n}`);
        // The taps batch their events (BATCH_MS, 50 ms, under steady traffic).
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    client(transports, opts = {}) {
      const socket = connect(`http://127.0.0.1:${block}`, {
        transports: [...transports],
        withCredentials: true,
        query: opts.id ? { labClient: opts.id } : {},
        reconnection: opts.reconnection ?? false,
        reconnectionDelay: 200,
        reconnectionDelayMax: 500,
      });
      sockets.push(socket);
      return socket;
    },
    follow,
    async close() {
      for (const s of sockets) s.disconnect();
      await balancer.close();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

/** Resolves true on `connect`, false on `connect_error` or a disconnect first. */
export function connects(socket: Socket, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('connect_error', () => done(false));
  });
}
