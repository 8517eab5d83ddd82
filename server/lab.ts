/**
 * The lab: the set of Socket.IO servers the hub toggles, the Redis they share, the headless
 * clients, and the monitor feed the hub keeps and relays. Everything the control API does is
 * a method here, so tests and lessons can drive the lab the same way.
 */
import { EventEmitter } from 'node:events';
import {
  type AdapterKind,
  type Envelope,
  type LabEvent,
  type SubscriptionMode,
} from '../trace/events.ts';
import type { LabInfo } from '../trace/lab-info.ts';
import { ServerNode } from './server-node.ts';
import { LabClients, type LabClientInfo, type Receipt } from './lab-clients.ts';
import { majorVersion, redactUrl, type RedisChoice } from './redis-finder.ts';
import { SamplingGroup, type DraftEvent } from './monitor/monitor-sink.ts';
import { HubFeed } from './monitor/hub-feed.ts';
import { StraySubscriber } from './stray-subscriber.ts';
import { ServerTap } from './monitor/server-tap.ts';
import { takeDelivery } from './monitor/delivery-log.ts';
import { isListening } from './free-port.ts';
import { LabError } from './lab-error.ts';
import { LessonLock } from './lesson-lock.ts';
import { EventRing } from './event-ring.ts';

export { LabError };

export interface LabOptions {
  redis: RedisChoice;
  servers: number;
  basePort: number;
  host: string;
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  monitor: boolean;
  monitorChannel: string;
  clientRate?: number;
  resp?: 2 | 3;
  auth?: boolean;
  onLog?: (line: string) => void;
}

/** Events the hub keeps for pages that open later: enough to rebuild the picture, bounded. */
export const RING_SIZE = 20_000;

export class Lab extends EventEmitter {
  readonly servers: ServerNode[] = [];
  readonly clients: LabClients;
  readonly pageClients = new Map<string, LabClientInfo[]>();
  readonly ring = new EventRing<LabEvent>(RING_SIZE);
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  resp: 2 | 3;
  redisState: 'up' | 'down' = 'up';
  readonly lessons = new LessonLock((notice) => {
    if (notice) this.notice('lesson', notice);
    this.changed();
  });
  /** Closed with the lab: parts other modules hang on it (server/lesson-parts.ts). */
  readonly closers: (() => Promise<void>)[] = [];
  private feed: HubFeed | null = null;
  /** The servers and the hub sample their detail together (see SamplingGroup). */
  private readonly sampling = new SamplingGroup();
  private changeTimer: NodeJS.Timeout | null = null;
  private readonly stray: StraySubscriber;

  constructor(readonly options: LabOptions) {
    super();
    this.setMaxListeners(100);
    this.adapter = options.adapter;
    this.subscriptionMode = options.subscriptionMode;
    this.resp = options.resp ?? 3;
    this.stray = new StraySubscriber(options.redis.url);
    this.checkAdapter(options.adapter);
    this.clients = new LabClients({
      urlOf: (id) => `http://127.0.0.1:${this.server(id).port}`,
      onReceive: (r) => this.reportReceipt(r),
      onChange: () => this.changed(),
    });
  }

  get redis(): RedisChoice {
    return this.options.redis;
  }

  async start(): Promise<void> {
    if (this.options.monitor) this.startMonitorFeed();
    for (let i = 0; i < this.options.servers; i++)
      this.servers.push(this.makeServer(`s${i + 1}`, this.options.basePort + i));
    // One at a time: a port already taken fails the start with one clear sentence.
    for (const server of this.servers) await server.start();
  }

  private makeServer(id: string, port: number): ServerNode {
    const { host, monitor, monitorChannel } = this.options;
    return new ServerNode({
      id,
      port,
      host,
      redisUrl: this.redis.url,
      adapter: this.adapter,
      subscriptionMode: this.subscriptionMode,
      clientRate: this.options.clientRate,
      resp: this.resp,
      makeTap: monitor
        ? (sid) =>
            new ServerTap({
              id: sid,
              redisUrl: this.redis.url,
              channel: monitorChannel,
              local: (e, json) => this.onEnvelope(e, json),
              sampling: this.sampling,
            })
        : undefined,
      onChange: () => this.changed(),
      onLog: this.options.onLog,
    });
  }

  /** The hub's own feed: batches from this process arrive directly, others' through Redis. */
  private startMonitorFeed(): void {
    this.feed = new HubFeed({
      url: this.redis.url,
      channel: this.options.monitorChannel,
      isLocal: (from) => from === 'hub' || this.servers.some((s) => s.id === from),
      onEnvelope: (e, json) => this.onEnvelope(e, json),
      onRedisState: (state) => this.setRedisState(state),
      sampling: this.sampling,
    });
  }

  private setRedisState(state: 'up' | 'down'): void {
    if (this.redisState === state) return;
    this.redisState = state;
    this.notice(
      state === 'down' ? 'redis.down' : 'redis.up',
      state === 'down'
        ? 'Redis is unreachable: each server now delivers to its own clients only.'
        : 'Redis is back: the servers reconnect and re-subscribe, and broadcasts cross servers again.',
    );
    this.changed();
  }

  notice(topic: Extract<LabEvent, { kind: 'lab.notice' }>['topic'], text: string): void {
    this.emitHub({ kind: 'lab.notice', server: 'hub', step: 1, topic, text });
  }

  emitHub(draft: DraftEvent): void {
    this.feed?.emit(draft);
  }

  /** `json` is the batch as its source encoded it, for viewers to pass on as it is. */
  private onEnvelope(envelope: Envelope, json: string): void {
    for (const e of envelope.events) this.ring.push(e);
    this.emit('trace', envelope, json);
  }

  /** Step 10: a client, lab or page, got an event. */
  reportReceipt(r: Receipt): void {
    if (!this.feed) return;
    const flow = takeDelivery(r.socketId, r.event);
    if (!this.feed.sink.wantsDetail(flow)) return;
    this.emitHub({
      kind: 'client.receive',
      server: r.server,
      socketId: r.socketId,
      client: r.client,
      event: r.event,
      args: r.args.slice(0, 5),
      flow,
    });
  }

  /** Coalesces bursts of changes into one `change` event. */
  changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.emit('change', this.info());
    }, 30);
  }

  /** Down when the lab stopped it; otherwise what the hub's monitor connection sees, or, with the monitor off, the servers' pub connections. */
  private currentRedisState(): 'up' | 'down' {
    const managed = this.redis.managed;
    if (managed && !managed.running) return 'down';
    if (this.options.monitor) return this.redisState;
    const withRedis = this.servers.filter((s) => s.state === 'up' && this.adapter !== 'none');
    return withRedis.length === 0 || withRedis.some((s) => s.redisReady) ? 'up' : 'down';
  }

  info(): LabInfo {
    const r = this.redis;
    const pages = [...this.pageClients.values()].flat();
    return {
      redis: {
        url: redactUrl(r.url),
        kind: r.kind,
        version: r.version,
        state: this.currentRedisState(),
        reason: r.reason,
        controllable: !!r.managed,
      },
      adapter: this.adapter,
      subscriptionMode: this.adapter === 'sharded' ? this.subscriptionMode : null,
      resp: this.resp,
      straySubscriber: this.stray.active,
      monitor: { enabled: this.options.monitor, channel: this.options.monitorChannel },
      servers: this.servers.map((s) => ({
        id: s.id,
        port: s.port,
        state: s.state,
        clients: s.clients,
      })),
      clients: [...this.clients.list(), ...pages],
      lesson: this.lessons.current,
      auth: !!this.options.auth,
    };
  }

  server(id: string): ServerNode {
    const server = this.servers.find((s) => s.id === id);
    if (!server)
      throw new LabError(
        404,
        `There is no server "${id}"; the servers are ${this.servers.map((s) => s.id).join(', ') || 'none'}.`,
      );
    return server;
  }

  async addServer(): Promise<ServerNode> {
    if (this.servers.length >= 10)
      throw new LabError(409, 'The lab has 10 servers already, its limit; remove one first.');
    let n = 1;
    while (this.servers.some((s) => s.id === `s${n}`)) n++;
    let port = Math.max(this.options.basePort - 1, ...this.servers.map((s) => s.port)) + 1;
    while (await isListening('127.0.0.1', port)) port++;
    const server = this.makeServer(`s${n}`, port);
    this.servers.push(server);
    await server.start();
    this.changed();
    return server;
  }

  async removeServer(id: string): Promise<void> {
    const server = this.server(id);
    for (const c of this.clients.list()) if (c.server === id) this.clients.remove(c.id);
    await server.stop();
    this.servers.splice(this.servers.indexOf(server), 1);
    this.changed();
  }

  async redisStop(): Promise<void> {
    const managed = this.requireManaged();
    await managed.stop();
    this.setRedisState('down');
  }

  async redisStart(): Promise<void> {
    const managed = this.requireManaged();
    await managed.start();
    this.changed();
  }

  private requireManaged() {
    const r = this.redis;
    if (!r.managed) {
      throw new LabError(
        409,
        `The lab did not start this Redis (${redactUrl(r.url)}, ${r.reason}), so it cannot stop or start it. Stop it yourself, or run the lab without --redis.`,
      );
    }
    return r.managed;
  }

  private checkAdapter(adapter: AdapterKind): void {
    if (adapter === 'sharded' && majorVersion(this.redis.version) < 7) {
      throw new LabError(
        409,
        `The sharded adapter needs Redis 7 or newer (SSUBSCRIBE/SPUBLISH), and this Redis is ${this.redis.version}; use --adapter redis or a newer Redis.`,
      );
    }
  }

  /** Adds the stray subscriber (see stray-subscriber.ts). */
  async addStraySubscriber(): Promise<void> {
    if (this.adapter === 'none') {
      throw new LabError(
        409,
        'With adapter none nothing counts servers; switch to the redis or sharded adapter first.',
      );
    }
    if (this.stray.active) return;
    try {
      await this.stray.add(this.adapter);
    } catch (err) {
      throw new LabError(
        409,
        `The stray subscriber could not subscribe (${(err as Error).message}); is Redis up?`,
      );
    }
    this.notice(
      'info',
      'A stray subscriber joined the channel the adapter counts servers by: requests now wait for one server too many.',
    );
    this.changed();
  }

  async removeStraySubscriber(): Promise<void> {
    if (!this.stray.active) return;
    await this.stray.remove();
    this.notice('info', 'The stray subscriber left: the server count is right again.');
    this.changed();
  }

  /** Picks the up server with the fewest clients (ties go to the lowest id). */
  defaultServer(): string {
    const up = this.servers.filter((s) => s.state === 'up');
    if (up.length === 0)
      throw new LabError(409, 'No server is up; start one first (POST /api/servers/{id}/start).');
    const load = (id: string) => this.clients.list().filter((c) => c.server === id).length;
    return up.reduce((best, s) => (load(s.id) < load(best.id) ? s : best)).id;
  }

  async addClients(
    server: string | undefined,
    count: number,
    rooms: string[] = [],
    nsp = '/',
  ): Promise<LabClientInfo[]> {
    if (this.clients.size + count > 200)
      throw new LabError(
        409,
        `At most 200 lab clients; there are ${this.clients.size} already.`,
        'count',
      );
    const made: LabClientInfo[] = [];
    for (let i = 0; i < count; i++) {
      const target = server ?? this.defaultServer();
      this.server(target);
      made.push(await this.clients.add(target, rooms, nsp));
    }
    return made;
  }

  /** Rebuilds the lab: every server restarts with the given adapter, then the clients are made. */
  async setup(spec: {
    servers?: number;
    adapter?: AdapterKind;
    subscriptionMode?: SubscriptionMode;
    resp?: 2 | 3;
    clients?: { server?: string; rooms?: string[]; nsp?: string }[];
  }): Promise<void> {
    const adapter = spec.adapter ?? this.adapter;
    this.checkAdapter(adapter);
    // A rebuilt lab starts clean: clients numbered from c1 again, as lessons and a class expect,
    // and no stray subscriber left over from an earlier demo.
    this.clients.removeAll(true);
    await this.removeStraySubscriber();
    await Promise.all(this.servers.map((s) => s.stop()));
    this.servers.splice(0);
    this.adapter = adapter;
    if (spec.subscriptionMode) this.subscriptionMode = spec.subscriptionMode;
    if (spec.resp) this.resp = spec.resp;
    const count = spec.servers ?? this.options.servers;
    for (let i = 0; i < count; i++)
      this.servers.push(this.makeServer(`s${i + 1}`, this.options.basePort + i));
    for (const server of this.servers) await server.start();
    this.notice('setup', `The lab was rebuilt: ${count} servers with the ${adapter} adapter.`);
    for (const c of spec.clients ?? []) await this.addClients(c.server, 1, c.rooms ?? [], c.nsp);
    this.changed();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.closers.map((close) => close()));
    this.clients.removeAll();
    await this.removeStraySubscriber();
    await Promise.all(this.servers.map((s) => s.stop()));
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await this.feed?.close();
    await this.redis.managed?.stop();
  }
}
