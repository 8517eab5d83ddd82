/**
 * The lab: the set of Socket.IO servers the hub toggles, the Redis they share, the headless
 * clients, and the monitor feed the hub keeps and relays. Everything the control API does is
 * a method here, so tests and lessons can drive the lab the same way.
 */
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import {
  STEP_OF,
  type AdapterKind,
  type Envelope,
  type LabEvent,
  type SubscriptionMode,
} from '../trace/events.ts';
import type { LabInfo } from '../trace/lab-info.ts';
import { ServerNode } from './server-node.ts';
import { LabClients, type LabClientInfo, type Receipt } from './lab-clients.ts';
import { majorVersion, redactUrl, type RedisChoice } from './redis-finder.ts';
import { MonitorSink, type DraftEvent } from './monitor/monitor-sink.ts';
import { ServerTap } from './monitor/server-tap.ts';
import { sourceOf, subscribeMonitor } from './monitor/monitor-relay.ts';
import { takeDelivery } from './monitor/delivery-log.ts';
import { baseOptions, monitorPublisher } from './redis-clients.ts';
import { isListening } from './free-port.ts';

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

export class LabError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Events the hub keeps for pages that open later: enough to rebuild the picture, bounded. */
export const RING_SIZE = 20_000;

export class Lab extends EventEmitter {
  readonly servers: ServerNode[] = [];
  readonly clients: LabClients;
  readonly pageClients = new Map<string, LabClientInfo[]>();
  readonly ring: LabEvent[] = [];
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  resp: 2 | 3;
  redisState: 'up' | 'down' = 'up';
  lesson: LabInfo['lesson'] = null;
  private hubSink: MonitorSink | null = null;
  private hubPub: Redis | null = null;
  private monitorSub: Redis | null = null;
  private changeTimer: NodeJS.Timeout | null = null;
  private stray: Redis | null = null;

  constructor(readonly options: LabOptions) {
    super();
    this.setMaxListeners(100);
    this.adapter = options.adapter;
    this.subscriptionMode = options.subscriptionMode;
    this.resp = options.resp ?? 3;
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
              local: (e) => this.onEnvelope(e),
            })
        : undefined,
      onChange: () => this.changed(),
      onLog: this.options.onLog,
    });
  }

  /** The hub's own feed: batches from this process arrive directly, others' through Redis. */
  private startMonitorFeed(): void {
    const { monitorChannel } = this.options;
    this.hubPub = monitorPublisher(this.redis.url, 'hub:monitor');
    const pub = this.hubPub;
    this.hubSink = new MonitorSink({
      source: 'hub',
      stepOf: (d) => STEP_OF[d.kind] ?? 8,
      local: (e) => this.onEnvelope(e),
      publish: (json) => pub.publish(monitorChannel, json),
    });
    // Batches of this process's own sources already arrived in-process: skip them unparsed.
    const isLocal = (from: string | undefined) =>
      from === 'hub' || this.servers.some((s) => s.id === from);
    this.monitorSub = subscribeMonitor(
      this.redis.url,
      monitorChannel,
      'hub:monitor-sub',
      (e) => this.onEnvelope(e),
      (raw) => isLocal(sourceOf(raw)),
    );
    // The hub's subscriber doubles as the lab's view of whether Redis is reachable.
    this.monitorSub.on('ready', () => this.setRedisState('up'));
    this.monitorSub.on('close', () => this.setRedisState('down'));
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
    this.hubSink?.emit(draft);
  }

  private onEnvelope(envelope: Envelope): void {
    for (const e of envelope.events) this.ring.push(e);
    if (this.ring.length > RING_SIZE) this.ring.splice(0, this.ring.length - RING_SIZE);
    this.emit('trace', envelope);
  }

  /** Step 10: a client, lab or page, got an event. */
  reportReceipt(r: Receipt): void {
    if (!this.hubSink) return;
    const flow = takeDelivery(r.socketId, r.event);
    if (!this.hubSink.wantsDetail(flow)) return;
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
      straySubscriber: this.stray !== null,
      monitor: { enabled: this.options.monitor, channel: this.options.monitorChannel },
      servers: this.servers.map((s) => ({
        id: s.id,
        port: s.port,
        state: s.state,
        clients: s.clients,
      })),
      clients: [...this.clients.list(), ...pages],
      lesson: this.lesson,
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

  /**
   * A stray subscriber: a bare connection on the channel the adapter counts servers by, as when
   * an adapter is created twice or an old server lingers. The count goes up by one, so requests
   * that wait for every server (fetchSockets) wait for an answer that never comes, and time out.
   */
  async addStraySubscriber(): Promise<void> {
    if (this.stray) return;
    if (this.adapter === 'none')
      throw new LabError(
        409,
        'With adapter none nothing counts servers; switch to the redis or sharded adapter first.',
      );
    const stray = new Redis(this.redis.url, {
      ...baseOptions('lab:stray'),
      maxRetriesPerRequest: 1,
    });
    stray.on('error', () => undefined);
    this.stray = stray;
    try {
      if (this.adapter === 'sharded') await stray.ssubscribe('socket.io#/#');
      else await stray.subscribe('socket.io-request#/#');
    } catch (err) {
      this.stray = null;
      stray.disconnect();
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
    const stray = this.stray;
    if (!stray) return;
    this.stray = null;
    await stray.quit().catch(() => stray.disconnect());
    this.notice('info', 'The stray subscriber left: the server count is right again.');
    this.changed();
  }

  /** One lesson runs at a time for the whole lab; the holder (a page or a runner) owns it until it lets go. */
  claimLesson(lesson: NonNullable<LabInfo['lesson']>): void {
    if (this.lesson && this.lesson.holder !== lesson.holder) {
      throw new LabError(
        409,
        `The lab is busy with the lesson "${this.lesson.title}"; wait for it to finish, or end it from the page that runs it.`,
      );
    }
    this.lesson = lesson;
    this.notice('lesson', `Lesson started: ${lesson.title}`);
    this.changed();
  }

  lessonStep(holder: string, step: number): void {
    if (!this.lesson || this.lesson.holder !== holder)
      throw new LabError(409, 'That lesson does not hold the lab; start it again.');
    this.lesson.step = step;
    this.changed();
  }

  /** Lets go of the lab; a holder that is not the current one changes nothing. */
  releaseLesson(holder: string): void {
    if (!this.lesson || this.lesson.holder !== holder) return;
    this.notice('lesson', `Lesson ended: ${this.lesson.title}`);
    this.lesson = null;
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
      made.push(await this.clients.add(target, rooms));
    }
    return made;
  }

  /** Rebuilds the lab: every server restarts with the given adapter, then the clients are made. */
  async setup(spec: {
    servers?: number;
    adapter?: AdapterKind;
    subscriptionMode?: SubscriptionMode;
    resp?: 2 | 3;
    clients?: { server?: string; rooms?: string[] }[];
  }): Promise<void> {
    const adapter = spec.adapter ?? this.adapter;
    this.checkAdapter(adapter);
    // A rebuilt lab numbers its clients from c1 again, as lessons and a class expect.
    this.clients.removeAll(true);
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
    for (const c of spec.clients ?? []) await this.addClients(c.server, 1, c.rooms ?? []);
    this.changed();
  }

  async close(): Promise<void> {
    this.clients.removeAll();
    await this.removeStraySubscriber();
    await Promise.all(this.servers.map((s) => s.stop()));
    this.hubSink?.close();
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await new Promise((r) => setTimeout(r, 30));
    await Promise.allSettled([this.hubPub?.quit(), this.monitorSub?.quit()]);
    this.hubPub?.disconnect();
    this.monitorSub?.disconnect();
    await this.redis.managed?.stop();
  }
}
