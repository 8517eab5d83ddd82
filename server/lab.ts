/**
 * The lab: the set of Socket.IO servers the hub toggles, the Redis they share, the headless
 * clients, and the monitor feed the hub keeps and relays. Everything the control API does is
 * a method here, so tests and lessons can drive the lab the same way. Every method that changes
 * what runs goes through `lifecycle` (lifecycle-queue.ts says how, and how to add one).
 */
import { EventEmitter } from 'node:events';
import type { AdapterKind, BalancerMode, SubscriptionMode } from '../trace/events.ts';
import type { ClusterNodeInfo, LabInfo } from '../trace/lab-info.ts';
import { ServerNode } from './server-node.ts';
import {
  DIRECT,
  LabClients,
  type ClientRoute,
  type LabClientInfo,
  type Receipt,
} from './lab-clients.ts';
import { LabBalancer } from './balancer/lab-balancer.ts';
import {
  DEFAULT_BALANCER_PORT,
  balancerError,
  balancerNotice,
  upstreamsOf,
} from './balancer/lab-balancing.ts';
import { redactUrl, type RedisChoice } from './redis-finder.ts';
import { modeRefusal } from './adapters/registry.ts';
import { rosterChannel } from './lab-roster.ts';
import { RedisSubscriptions } from './monitor/redis-subscriptions.ts';
import { streamNames } from './adapters/streams.ts';
import { LabFeed, RING_SIZE, type NoticeTopic } from './lab-feed.ts';
import type { DraftEvent } from './monitor/monitor-sink.ts';
import { LabServers, MAX_LAB_SERVERS, type ListedServer } from './lab-servers.ts';
import { LAB, LifecycleQueue } from './lifecycle-queue.ts';
import { settlesWithin } from './deadline.ts';
import { StraySubscriber } from './stray-subscriber.ts';
import { LabError } from './lab-error.ts';
import { LessonLock } from './lesson-lock.ts';
import type { Server } from 'socket.io';
import type { LabCluster, NodesReport } from './redis-cluster/lab-cluster.ts';
import { clusterRefusal } from './redis-cluster/cluster-choice.ts';
import { LabRedis } from './lab-redis.ts';
import { LabLinks, type CutMode } from './lab-links.ts';
import { slowDown } from './slow-subscriber.ts';
import { DEFAULT_CLIENT_RATE } from './rate-limit.ts';
import type { OutsiderMessage, OutsiderResult, Forgery } from './outsider.ts';
import { HubPages } from './hub/page-reports.ts';

export { LabError, RING_SIZE };

export interface LabOptions {
  redis: RedisChoice;
  /** With --redis-cluster: the cluster the adapters use; `redis` then carries the lab's own channels. */
  cluster?: LabCluster;
  servers: number;
  basePort: number;
  host: string;
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  monitor: boolean;
  monitorChannel: string;
  clientRate?: number;
  addressRate?: number;
  resp?: 2 | 3;
  auth?: boolean;
  /** The hub's ring of recent events (RING_SIZE) and a page's history on opening (HISTORY_EVENTS). */
  ringSize?: number;
  historyEvents?: number;
  /** The load balancer in front of the servers (docs/balancer.md); off when absent. */
  balancer?: { mode: BalancerMode; port: number; pathEnv?: string };
  /** This lab's id (default: a new random one); `npm run server --lab` joins it. */
  labId?: string;
  /** The adapters' channel prefix (createAdapter's `key`); default `socket.io`. */
  key?: string;
  /** The Redis ACL user and password the lab's connections log in as. */
  redisUser?: string;
  redisPassword?: string;
  onLog?: (line: string) => void;
}

/** How long a shutdown waits for the lifecycle operations under way before it goes on. */
const SHUTDOWN_WAIT_MS = 1000;

type ServerAction = 'start' | 'stop' | 'crash';

/** A part of the lab that adds to `info()`: its clients, and fields of its own. */
export interface LabPart {
  clients(): LabClientInfo[];
  info(): Partial<LabInfo>;
}

export class Lab extends EventEmitter {
  readonly lifecycle = new LifecycleQueue();
  readonly feed: LabFeed;
  readonly servers: LabServers;
  readonly clients: LabClients;
  readonly balancer: LabBalancer;
  /** The clients of each page, by the id of the page's /lab socket (server/hub/page-reports.ts). */
  readonly pageClients = new Map<string, LabClientInfo[]>();
  /** The pages connected to the hub, and what they may report. */
  readonly pages = new HubPages();
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode;
  resp: 2 | 3;
  readonly lessons = new LessonLock((notice) => {
    if (notice) this.notice('lesson', notice);
    this.changed();
  });
  /** Closed with the lab: parts other modules hang on it (server/lesson-parts.ts). */
  readonly closers: (() => Promise<void>)[] = [];
  /** Rules parts of the lab add to every life of every server (ServerNode's onLife). */
  readonly serverHooks: ((io: Server, id: string) => void)[] = [];
  /** Classroom mode's class (server/classroom/), which adds its phones to what the lab lists. */
  classroom: LabPart | null = null;
  /** Each server's network to Redis, which the API can cut and heal. */
  private readonly links = new LabLinks(() => this.shared.url);
  private changeTimer: NodeJS.Timeout | null = null;
  private readonly stray: StraySubscriber;
  /** Redis's own count of who is subscribed where, for the standing state (redis.pubsub). */
  readonly pubsub: RedisSubscriptions;
  /** Its id, key and user on a Redis it may share, and who else is there (lab-redis.ts). */
  readonly shared: LabRedis;
  readonly labId: string;
  readonly key: string;

  constructor(readonly options: LabOptions) {
    super();
    this.setMaxListeners(100);
    this.adapter = options.adapter;
    this.subscriptionMode = options.subscriptionMode;
    this.resp = options.resp ?? 3;
    const refusal = clusterRefusal(options.redis, !!options.cluster);
    if (refusal) throw new LabError(409, refusal);
    options.cluster?.on('change', () => this.changed());
    options.cluster?.on('stats', (report: NodesReport) =>
      this.emitHub({ kind: 'cluster.nodes', server: 'hub', ...report }),
    );
    this.shared = new LabRedis({
      ...options,
      adapter: () => this.adapter,
      notice: (topic, text) => this.notice(topic, text),
      changed: () => this.changed(),
      reconnect: () => this.reconnect(),
    });
    this.labId = this.shared.labId;
    this.key = this.shared.key;
    const url = () => this.shared.url;
    this.stray = new StraySubscriber(
      url,
      (text) => this.notice('info', text),
      this.key,
      this.labId,
      () => options.cluster?.urls,
    );
    this.pubsub = new RedisSubscriptions({
      url,
      lab: this.labId,
      // The hub's own subscribers: the monitor channel, and the roster beside it (lab-roster.ts).
      plumbing: (name) =>
        name === 'hub:monitor-sub'
          ? [options.monitorChannel]
          : name.endsWith(':roster-sub')
            ? [rosterChannel(options.monitorChannel)]
            : undefined,
      onReport: (report) => this.emitHub({ kind: 'redis.pubsub', server: 'hub', ...report }),
    });
    this.checkAdapter(options.adapter);
    this.watchClusterStreams();
    this.feed = new LabFeed({
      redisUrl: url,
      lab: this.labId,
      key: this.key,
      census: this.shared.census,
      monitorChannel: options.monitorChannel,
      ringSize: options.ringSize,
      historyEvents: options.historyEvents,
      isLocal: (source) => this.servers.find(source) !== undefined,
      onEnvelope: (e, json) => this.emit('trace', e, json),
      onRedisState: () => this.changed(),
    });
    this.servers = new LabServers({
      redisUrl: url,
      lab: this.labId,
      monitorChannel: options.monitorChannel,
      make: (id, port) => this.makeServer(id, port),
      notice: (text) => this.notice('info', text),
      changed: () => this.changed(),
    });
    this.balancer = new LabBalancer({
      host: options.host,
      port: options.balancer?.port ?? DEFAULT_BALANCER_PORT,
      mode: options.balancer?.mode ?? 'off',
      pathEnv: options.balancer?.pathEnv,
      onLog: (line) => this.notice('info', line),
    });
    this.clients = new LabClients({
      urlOf: (id) => `http://127.0.0.1:${this.server(id).port}`,
      balancerUrl: () => `http://127.0.0.1:${this.balancer.info().port}`,
      serverOf: (socketId, nsp) =>
        this.servers.local.find((s) => s.server?.of(nsp).sockets.has(socketId))?.id,
      onReceive: (r) => this.reportReceipt(r),
      onChange: () => this.changed(),
    });
  }

  /** The events the hub keeps for pages that open later. */
  get ring() {
    return this.feed.ring;
  }

  get redis(): RedisChoice {
    return this.options.redis;
  }

  /** Starts s1..sN on their ports; a port in use or a name a standalone server has fails it. */
  start(): Promise<void> {
    return this.lifecycle.run(LAB, 'start the lab', async () => {
      await this.shared.prepare();
      if (this.options.monitor) this.feed.start();
      await this.servers.roster.ready();
      await this.servers.roster.rollCall();
      const ids = Array.from({ length: this.options.servers }, (_, i) => `s${i + 1}`);
      this.servers.checkNamesFree(ids);
      // The ports asked for, or one sentence saying which is in use.
      await this.servers.startAll(ids, this.options.basePort, true);
      // The balancer, when there is one, last: it fronts servers that are up.
      await this.balancer.begin(upstreamsOf(this.servers.local)).catch(balancerError);
      await this.shared.look();
      if (this.options.monitor) this.pubsub.start();
    });
  }

  private makeServer(id: string, port: number): ServerNode {
    const { host, monitor } = this.options;
    return new ServerNode({
      id,
      port,
      host,
      lab: this.labId,
      key: this.key,
      redisUrl: this.shared.url,
      clusterUrls: this.options.cluster?.urls,
      // The relay is for one Redis: a cluster's nodes are reached by the addresses they give.
      link: this.options.cluster ? undefined : this.links.of(id),
      adapter: this.adapter,
      subscriptionMode: this.subscriptionMode,
      clientRate: this.options.clientRate,
      addressRate: this.options.addressRate,
      resp: this.resp,
      makeTap: monitor ? (sid) => this.feed.makeTap(sid) : undefined,
      onChange: () => this.changed(),
      onLife: (io) => this.serverHooks.forEach((hook) => hook(io, id)),
      onLog: this.options.onLog,
    });
  }

  notice(topic: NoticeTopic, text: string): void {
    this.feed.notice(topic, text);
  }

  /** An event of the hub's own (a lab.notice, a lesson part's line). */
  emitHub(draft: DraftEvent): void {
    this.feed.emitHub(draft);
  }

  /** Step 10: a client, lab or page, got an event. */
  reportReceipt(r: Receipt): void {
    this.feed.reportReceipt(r);
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
    if (this.options.monitor) return this.feed.redisState;
    const withRedis = this.servers.local.filter((s) => s.state === 'up' && this.adapter !== 'none');
    return withRedis.length === 0 || withRedis.some((s) => s.redisReady) ? 'up' : 'down';
  }

  info(): LabInfo {
    const r = this.redis;
    const pages = [...this.pageClients.values()].flat();
    return {
      labId: this.labId,
      key: this.key,
      otherLabs: this.shared.otherLabs,
      redis: {
        url: redactUrl(this.shared.url),
        kind: r.kind,
        version: r.version,
        state: this.currentRedisState(),
        reason: r.reason,
        controllable: !!r.managed,
        user: this.shared.access.user,
        lockedDown: this.shared.access.lockedDown,
        ...(this.options.cluster ? { cluster: this.options.cluster.info() } : {}),
      },
      adapter: this.adapter,
      subscriptionMode: this.adapter === 'sharded' ? this.subscriptionMode : null,
      resp: this.resp,
      straySubscriber: this.stray.active,
      monitor: { enabled: this.options.monitor, channel: this.options.monitorChannel },
      balancer: this.balancer.info(),
      servers: this.servers.listed(),
      clients: [...this.clients.list(), ...pages, ...(this.classroom?.clients() ?? [])],
      lesson: this.lessons.current,
      auth: !!this.options.auth,
      ...this.classroom?.info(),
    };
  }

  /** Events a second one client socket may send (the servers' flood limit). */
  get clientRate(): number {
    return this.options.clientRate ?? DEFAULT_CLIENT_RATE;
  }

  /** One of the lab's own servers: 404 for an unknown id, 409 for a standalone server's. */
  server(id: string): ServerNode {
    return this.servers.get(id);
  }

  /** Starts, stops or crashes one of the lab's servers; answers the state it reached. */
  serverAction(id: string, action: ServerAction): Promise<ListedServer> {
    return this.lifecycle.run([`server:${id}`], `${action} ${id}`, async () => {
      // A server that stops or crashes is no slow reader any more: its connections just close.
      if (action !== 'start' && this.links.unslow(id))
        this.emitHub({ kind: 'server.link', server: id, link: 'open' });
      await this.server(id)[action]();
      await this.followServers();
      return this.servers.listedOne(id)!;
    });
  }

  /**
   * Cuts one server off Redis without stopping it (`reset`: its connections reset, new ones
   * refused; `freeze`: nothing passes, nothing closes; `slow`: its sub connection stops reading
   * until Redis cuts it off, slow-subscriber.ts), or heals it; answers the server.
   */
  serverLink(
    id: string,
    action: CutMode | 'heal',
    opts: { limit?: string } = {},
  ): Promise<ListedServer> {
    return this.lifecycle.run([`server:${id}`], `${action} ${id}'s link`, async () => {
      const server = this.server(id);
      let link: 'cut' | 'frozen' | 'slow' | 'open' = 'open';
      let limit: string | undefined;
      if (action === 'heal') this.links.heal(id);
      else {
        // makeServer skips the relay on a cluster: its nodes are reached at the addresses they give.
        if (this.options.cluster)
          throw new LabError(
            409,
            `The lab runs on a Redis Cluster, where ${id} reaches each node directly with no relay of the lab's between them, so it cannot be cut; stop ${id} instead.`,
          );
        if (server.state !== 'up')
          throw new LabError(
            409,
            `${id} is ${server.state}, so it has no connection to Redis to cut; start it first.`,
          );
        if (action === 'slow') {
          link = 'slow';
          limit = await slowDown({
            id,
            lab: this.labId,
            server,
            links: this.links,
            hasAdapter: this.adapter !== 'none',
            managedUrl: this.redis.managed?.url,
            labUrl: this.shared.url,
            limit: opts.limit,
            emit: (e) => this.emitHub({ kind: 'server.link', server: id, ...e }),
            changed: () => this.changed(),
          });
        } else link = this.links.cut(id, action, this.adapter !== 'none');
      }
      this.emitHub({ kind: 'server.link', server: id, link, ...(limit ? { limit } : {}) });
      this.changed();
      return this.servers.listedOne(id)!;
    });
  }

  addServer(): Promise<ListedServer> {
    return this.lifecycle.run(['servers'], 'add a server', async () => {
      if (this.servers.local.length >= MAX_LAB_SERVERS)
        throw new LabError(
          409,
          `The lab has ${MAX_LAB_SERVERS} servers already, its limit; remove one first.`,
        );
      const id = this.servers.nextName();
      await this.servers.startOnFreePort(id, this.servers.nextPort(this.options.basePort));
      await this.followServers();
      this.changed();
      return this.servers.listedOne(id)!;
    });
  }

  /** Stops a server and forgets it; answers the servers that are left. */
  removeServer(id: string): Promise<{ removed: string; servers: ListedServer[] }> {
    return this.lifecycle.run(['servers', `server:${id}`], `remove ${id}`, async () => {
      const server = this.server(id);
      // Clients the balancer placed on it stay: they reconnect through it, to another server.
      for (const c of this.clients.list())
        if (c.server === id && c.via !== 'balancer') this.clients.remove(c.id);
      await server.stop();
      this.servers.remove(server);
      await this.links.remove(id);
      await this.followServers();
      this.changed();
      return { removed: id, servers: this.servers.listed() };
    });
  }

  redisStop(): Promise<LabInfo['redis']> {
    return this.lifecycle.run(['redis'], 'stop Redis', async () => {
      await this.requireManaged().stop();
      this.feed.setRedisState('down');
      return this.info().redis;
    });
  }

  redisStart(): Promise<LabInfo['redis']> {
    return this.lifecycle.run(['redis'], 'start Redis', async () => {
      await this.requireManaged().start();
      // A restarted Redis forgot its ACL users; the lab's servers are waiting to log in again.
      await this.shared.afterRestart();
      this.changed();
      return this.info().redis;
    });
  }

  /** POST /api/redis/nodes/{id}/stop|start: one node of the local Redis Cluster. */
  toggleClusterNode(name: string, action: 'stop' | 'start'): Promise<ClusterNodeInfo[]> {
    const cluster = this.options.cluster;
    if (!cluster)
      throw new LabError(
        409,
        'The lab runs on one Redis, not a Redis Cluster, so it has no nodes to stop or start: start the lab with --redis-cluster for a local cluster (POST /api/redis/stop stops the one Redis).',
      );
    return this.lifecycle.run(['redis'], `${action} cluster node ${name}`, async () => {
      const nodes = await cluster.toggleNode(name, action);
      this.changed();
      return nodes;
    });
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

  /** On a cluster, with the streams adapter: the nodes' reports say which node holds the stream. */
  private watchClusterStreams(): void {
    this.options.cluster?.watchStreams(
      this.adapter === 'streams' ? [streamNames(this.key).streamName] : [],
    );
  }

  private checkAdapter(adapter: AdapterKind): void {
    const version = this.options.cluster?.version ?? this.redis.version;
    const refusal = modeRefusal(adapter, version, !!this.options.cluster);
    if (refusal) throw new LabError(409, refusal);
  }

  /** Locks the channels down (lab-redis.ts): the lab's connections log in again as its user. */
  lockDown(): Promise<{ user: string; rules: string[] }> {
    return this.lifecycle.run(LAB, 'lock Redis down', () => this.shared.lockDown());
  }

  unlock(): Promise<void> {
    return this.lifecycle.run(LAB, 'open Redis up', () => this.shared.unlock());
  }

  /** Publishes as someone outside the lab; it changes nothing the lab runs, so it waits for nothing. */
  outsiderPublish(m: OutsiderMessage | { forge: Forgery }): Promise<OutsiderResult> {
    return this.shared.outsiderPublish(m);
  }

  /** Every connection of the lab logs in again, as whoever `shared` now says (inside a LAB operation). */
  private async reconnect(): Promise<void> {
    this.pubsub.reconnect();
    if (this.feed.started) await this.feed.restart();
    await this.servers.relogin();
    if (this.stray.active) {
      await this.stray.remove();
      await this.stray.add(this.adapter);
    }
    for (const server of this.servers.local) {
      server.options.redisUrl = this.shared.url;
      if (server.state !== 'up') continue;
      await server.stop();
      await server.start();
    }
  }

  /** Adds the stray subscriber (see stray-subscriber.ts). */
  addStraySubscriber(): Promise<void> {
    return this.lifecycle.run(['stray'], 'add the stray subscriber', async () => {
      await this.stray.add(this.adapter);
      this.changed();
    });
  }

  removeStraySubscriber(): Promise<void> {
    return this.lifecycle.run(['stray'], 'remove the stray subscriber', () => this.removeStray());
  }

  private async removeStray(): Promise<void> {
    await this.stray.remove();
    this.changed();
  }

  addClients(
    server: string | undefined,
    count: number,
    rooms: string[] = [],
    nsp = '/',
    route: ClientRoute = DIRECT,
  ): Promise<LabClientInfo[]> {
    return this.lifecycle.run(['clients'], 'add lab clients', () =>
      this.makeClients(server, count, rooms, nsp, route),
    );
  }

  private makeClients(
    server: string | undefined,
    count: number,
    rooms: string[],
    nsp = '/',
    route: ClientRoute = DIRECT,
  ): Promise<LabClientInfo[]> {
    if (route.via === 'balancer') this.balancerRoute(server);
    else if (server) this.server(server);
    const load = (id: string) => this.clients.list().filter((c) => c.server === id).length;
    const pick = () => server ?? this.servers.leastLoaded(load);
    return this.clients.addMany(count, rooms, nsp, pick, route);
  }

  /** A client through the balancer needs one that runs, and goes where it is sent. */
  private balancerRoute(server: string | undefined): void {
    if (server)
      throw new LabError(
        400,
        `A client that comes through the balancer goes to the server the balancer picks: leave out "server" (${server}), or connect it straight with "via": "server".`,
        'server',
      );
    if (this.balancer.info().mode === 'off')
      throw new LabError(
        409,
        'The balancer is off: switch it on first (POST /api/balancer {"mode": "sticky"} or "round-robin"), or start the lab with --balancer.',
      );
  }

  /** Switches the balancer's mode live, starting or stopping it; answers where it is now. */
  setBalancerMode(mode: BalancerMode): Promise<NonNullable<LabInfo['balancer']>> {
    return this.lifecycle.run(['balancer'], `switch the balancer to ${mode}`, async () => {
      await this.balancer.setMode(mode).catch(balancerError);
      this.notice('info', balancerNotice(this.balancer.info()));
      this.changed();
      return this.balancer.info();
    });
  }

  /** Tells the balancer which servers are up now (a reload for nginx, when that changed). */
  private followServers(): Promise<void> {
    return this.balancer.follow(upstreamsOf(this.servers.local));
  }

  /**
   * Rebuilds the lab: every server restarts with the given adapter, then the clients are made.
   * What would refuse it (an adapter this Redis lacks, a name a standalone server has) refuses
   * it before anything is torn down.
   */
  setup(spec: {
    servers?: number;
    adapter?: AdapterKind;
    subscriptionMode?: SubscriptionMode;
    resp?: 2 | 3;
    balancer?: BalancerMode;
    clients?: { server?: string; rooms?: string[]; nsp?: string; route?: ClientRoute }[];
  }): Promise<LabInfo> {
    return this.lifecycle.run(LAB, 'set the lab up', async () => {
      const adapter = spec.adapter ?? this.adapter;
      this.checkAdapter(adapter);
      const count = spec.servers ?? this.options.servers;
      const ids = Array.from({ length: count }, (_, i) => `s${i + 1}`);
      this.servers.checkNamesFree(ids);
      // A rebuilt lab starts clean: clients numbered from c1 again, as lessons and a class expect,
      // and no stray subscriber left over from an earlier demo.
      this.clients.removeAll(true);
      await this.removeStray();
      await this.servers.stopAll();
      // ... and every server's network to Redis whole again.
      for (const id of await this.links.healAll())
        this.emitHub({ kind: 'server.link', server: id, link: 'open' });
      this.adapter = adapter;
      this.watchClusterStreams();
      if (spec.subscriptionMode) this.subscriptionMode = spec.subscriptionMode;
      if (spec.resp) this.resp = spec.resp;
      // Each on its own port when it is free, else on the next free one.
      await this.servers.startAll(ids, this.options.basePort, false);
      await this.followServers();
      if (spec.balancer) await this.balancer.setMode(spec.balancer).catch(balancerError);
      this.notice('setup', `The lab was rebuilt: ${count} servers with the ${adapter} adapter.`);
      for (const c of spec.clients ?? [])
        await this.makeClients(c.server, 1, c.rooms ?? [], c.nsp, c.route);
      this.changed();
      return this.info();
    });
  }

  /**
   * Shuts the lab down: calls that wait are refused, the ones under way get a moment to finish,
   * and then everything stops, each part bounded, so a Redis that is away never holds it up.
   */
  async close(): Promise<void> {
    await settlesWithin(this.lifecycle.close('The lab is shutting down.'), SHUTDOWN_WAIT_MS);
    await Promise.allSettled(this.closers.map((close) => close()));
    this.clients.removeAll();
    await this.removeStray();
    await this.balancer.close();
    await this.servers.stopAll();
    await this.links.closeAll();
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await this.servers.roster.close();
    this.shared.close();
    this.pubsub.close();
    await this.feed.close();
    await this.redis.managed?.stop();
    await this.options.cluster?.close();
  }
}
