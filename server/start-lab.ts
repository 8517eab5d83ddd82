/**
 * Starts a whole lab in this process: the servers, the hub and its API. `npm start`, the tests,
 * the lesson runner and the benchmarks all come through here.
 */
import type { AdapterKind, SubscriptionMode } from '../trace/events.ts';
import { checkHooks } from './adapters/hook-check.ts';
import { Lab, type LabOptions } from './lab.ts';
import { Hub } from './hub/hub.ts';
import { isLoopback, makeToken } from './hub/auth.ts';
import type { RedisChoice } from './redis-finder.ts';
import { Classroom } from './classroom/classroom.ts';
import { reachableAddresses } from './lan-addresses.ts';
import type { LabCluster } from './redis-cluster/lab-cluster.ts';

export interface StartLabOptions {
  redis: RedisChoice;
  /** With --redis-cluster; the lab closes it when it closes. */
  cluster?: LabCluster;
  port?: number;
  basePort?: number;
  servers?: number;
  host?: string;
  adapter?: AdapterKind;
  subscriptionMode?: SubscriptionMode;
  monitor?: boolean;
  monitorChannel?: string;
  clientRate?: number;
  addressRate?: number;
  resp?: 2 | 3;
  /** The load balancer (docs/balancer.md): its mode (default off), port, and where nginx is looked for. */
  balancer?: LabOptions['balancer'];
  /** The adapters' channel prefix (default socket.io). */
  key?: string;
  /** The Redis ACL user the lab's connections log in as. */
  redisUser?: string;
  redisPassword?: string;
  /** This lab's id (default: random). */
  labId?: string;
  token?: string;
  webRoot?: string;
  /** Classroom mode (docs/classroom.md): phones join at /join; at most `size` of them. */
  classroom?: { size?: number };
  ringSize?: number;
  historyEvents?: number;
  onLog?: (line: string) => void;
}

export interface RunningLab {
  lab: Lab;
  hub: Hub;
  classroom?: Classroom;
  /** The hub's URL, e.g. http://127.0.0.1:4000. */
  url: string;
  token?: string;
  close(): Promise<void>;
}

export async function startLab(o: StartLabOptions): Promise<RunningLab> {
  // Before anything listens: a lab that cannot see what its adapters do must not pretend to.
  checkHooks();
  const host = o.host ?? '127.0.0.1';
  const exposed = !isLoopback(host);
  const token = exposed ? (o.token ?? makeToken()) : undefined;
  const lab = new Lab({
    redis: o.redis,
    cluster: o.cluster,
    servers: o.servers ?? 3,
    basePort: o.basePort ?? 4001,
    host,
    adapter: o.adapter ?? 'redis',
    subscriptionMode: o.subscriptionMode ?? 'dynamic',
    monitor: o.monitor ?? true,
    monitorChannel: o.monitorChannel ?? 'lab:monitor',
    clientRate: o.clientRate,
    addressRate: o.addressRate,
    resp: o.resp,
    balancer: o.balancer,
    key: o.key,
    redisUser: o.redisUser,
    redisPassword: o.redisPassword,
    labId: o.labId,
    auth: exposed,
    ringSize: o.ringSize,
    historyEvents: o.historyEvents,
    onLog: o.onLog,
  });
  const hub = new Hub(lab, { port: o.port ?? 4000, host, token, webRoot: o.webRoot });
  let classroom: Classroom | undefined;
  try {
    await hub.listen();
    // Before the servers start: each of them takes the class's rules at its start.
    if (o.classroom) {
      const joinUrls = reachableAddresses(host).map(
        (a) => `http://${a.includes(':') ? `[${a}]` : a}:${hub.port}/join`,
      );
      classroom = new Classroom(lab, { size: o.classroom.size, joinUrls });
      classroom.attach(hub.io);
    }
    await lab.start();
  } catch (err) {
    await hub.close().catch(() => undefined);
    await lab.close().catch(() => undefined);
    throw err;
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | null = null;
  return {
    lab,
    hub,
    classroom,
    url: `http://${shownHost}:${hub.port}`,
    token,
    close: () =>
      (closing ??= (async () => {
        await hub.close();
        await lab.close();
      })()),
  };
}
