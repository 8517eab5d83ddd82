/**
 * LabScript: the simulated lab, a pure, deterministic stand-in for a running lab that writes the
 * monitor events a real one would (namespace `/`; the classic adapter, or the sharded one after
 * `sharded()`). Tests use it to drive the
 * trace model through realistic sequences (trace/sim/lab-traffic.ts writes its traffic,
 * trace/sim/random-lab.ts plays a random session), and the page's synthetic feed runs it
 * (trace/sim/synthetic-lab.ts), sampled by the monitor's own rule (trace/sampling.ts).
 *
 * It keeps its own truth (who is up, who is where) and derives events from it, so tests can
 * compare the model's conclusions with what really happened instead of with hard-coded answers.
 */
import type { Decision, Envelope, LabEvent, Step, SubscriptionMode } from '../events.ts';
import { TRACE_VERSION, defaultStep } from '../events.ts';
import { DetailSampler, SamplingGroup } from '../sampling.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before the script stamps it: `seq` and `t` are the script's, `step` defaults to defaultStep. */
export type Draft = DistributiveOmit<LabEvent, 'seq' | 't' | 'step'> & { step?: Step };

export interface SimServer {
  id: string;
  up: boolean;
  uid: string;
  flows: number;
  pubs: number;
  publishes: number;
  deliveries: number;
  receipts: Partial<Record<Decision, number>>;
  /** Sharded: the shard channels its sub connection SSUBSCRIBEd, in order. */
  shards: string[];
}

/** The sharded adapter's channel for namespace `/` (`${channelPrefix}#${nsp.name}#`). */
export const SHARD_CHANNEL = 'socket.io#/#';
export interface SimClient {
  id: string;
  server: string;
  socketId: string;
  connected: boolean;
  rooms: string[];
  sockets: number;
}

export class LabScript {
  readonly events: LabEvent[] = [];
  /** The reporting source of each event (`Envelope.from`), parallel to `events`. */
  readonly sources: string[] = [];
  readonly servers: Record<string, SimServer> = {};
  readonly clients: Record<string, SimClient> = {};
  redisUp = true;
  /** Whether room.leave says `closing`, as a tap that watches `disconnecting` can; off tests the fallback. */
  markLeaves = true;
  /** The lab reports server.down before its sockets' leaves and disconnects; false reports it after. */
  downFirst = true;
  private seqs: Record<string, number> = {};
  private t: number;
  private readonly clock: (() => number) | undefined;
  /** Set by `sample`: each source's sampler, all in one group, as the sources of one lab process. */
  private sampling: { group: SamplingGroup; make: (source: string) => DetailSampler } | undefined;
  private readonly samplers = new Map<string, DetailSampler>();
  /** Flow events each source left out while sampling (its counters' `skipped`). */
  readonly skipped: Record<string, number> = {};
  private clientList: SimClient[] | undefined;
  /** The adapter every server runs: the classic one unless `sharded()` said otherwise. */
  adapter: 'redis' | 'sharded' = 'redis';
  subscriptionMode: SubscriptionMode = 'dynamic';

  /**
   * `start`: the first event's time, each next one a millisecond later; or a clock, read for each
   * event (the synthetic feed's wall clock).
   */
  constructor(start: number | (() => number) = Date.UTC(2026, 10, 28, 8)) {
    this.clock = typeof start === 'function' ? start : undefined;
    this.t = typeof start === 'function' ? start() : start;
  }

  /**
   * From now on each source samples its flow events as the monitor sink does (trace/sampling.ts):
   * past its detail budget whole flows are left out, and it says so with a `monitor.mode` event.
   */
  sample(options: { detailPerSecond?: number; sampleOneIn?: number } = {}): this {
    const group = new SamplingGroup();
    const now = () => this.clock?.() ?? this.t;
    const make = (source: string) =>
      new DetailSampler({
        ...options,
        source,
        now,
        group,
        onLevel: (level, oneIn, reason) =>
          this.emit(
            {
              kind: 'monitor.mode',
              server: source,
              mode: level > 0 ? 'sampled' : 'detail',
              oneIn,
              reason,
            },
            source,
          ),
      });
    this.sampling = { group, make };
    return this;
  }

  /** From now on servers run the sharded adapter (SSUBSCRIBE, SPUBLISH, smessage) in `mode`. */
  sharded(mode: SubscriptionMode = 'dynamic'): this {
    this.adapter = 'sharded';
    this.subscriptionMode = mode;
    return this;
  }

  private samplerOf(source: string): DetailSampler | undefined {
    if (!this.sampling) return undefined;
    let sampler = this.samplers.get(source);
    if (!sampler) {
      sampler = this.sampling.make(source);
      this.samplers.set(source, sampler);
      sampler.start();
    }
    return sampler;
  }

  /**
   * Appends one event, reported by `source` (default: the event's server). While sampling, a
   * flow event its source leaves out is only counted (`skipped`); it is returned as the draft,
   * without seq, t or step.
   */
  emit(draft: Draft, source = draft.server): LabEvent {
    this.t = this.clock ? Math.max(this.t, this.clock()) : this.t + 1;
    const step = defaultStep(draft);
    const flow = (draft as { flow?: string }).flow;
    if (flow && this.samplerOf(source)?.offer(flow) === false) {
      this.skipped[source] = (this.skipped[source] ?? 0) + 1;
      // Not copied: at a few hundred broadcasts a second most events go this way.
      return draft as LabEvent;
    }
    const seq = (this.seqs[source] = (this.seqs[source] ?? 0) + 1);
    const event = { ...draft, seq, t: this.t, step } as LabEvent;
    this.events.push(event);
    this.sources.push(source);
    return event;
  }

  /**
   * The events since the last drain as the monitor would batch them: one envelope per source,
   * marked `sampled` while its source samples. The script forgets them, so it can run for hours.
   */
  drain(): Envelope[] {
    for (const sampler of this.samplers.values()) sampler.closeWindow();
    const bySource = new Map<string, LabEvent[]>();
    this.events.forEach((e, i) => {
      const source = this.sources[i];
      const list = bySource.get(source);
      if (list) list.push(e);
      else bySource.set(source, [e]);
    });
    this.events.length = 0;
    this.sources.length = 0;
    return [...bySource].map(([from, events]) => {
      const envelope: Envelope = { v: TRACE_VERSION, from, events };
      if ((this.samplers.get(from)?.level ?? 0) > 0) envelope.sampled = true;
      return envelope;
    });
  }

  serverUp(id: string, port = 4000 + Number(id.replace(/\D/g, '') || 1)): this {
    const old = this.servers[id];
    const starts = (old?.flows ?? 0) + 1;
    const sharded = this.adapter === 'sharded';
    // The classic adapter's uid is 6 characters, ClusterAdapter's 16 hex digits (randomId()).
    const uid = sharded
      ? [...`${id}u${starts}`]
          .map((c) => c.charCodeAt(0).toString(16))
          .join('')
          .padEnd(16, '0')
      : `${id}u${starts}`.padEnd(6, 'x');
    this.servers[id] = {
      id,
      up: true,
      uid,
      flows: old?.flows ?? 0,
      pubs: 0,
      publishes: 0,
      deliveries: 0,
      receipts: {},
      shards: [],
    };
    const mode = sharded ? { subscriptionMode: this.subscriptionMode } : {};
    this.emit({ kind: 'server.up', server: id, port, adapter: this.adapter, ...mode });
    if (!this.redisUp) return this;
    this.emit({ kind: 'redis.connect', server: id, role: 'pub', name: `${id}:pub` });
    this.emit({
      kind: 'redis.connect',
      server: id,
      role: 'sub',
      name: `${id}:sub`,
      duplicated: true,
    });
    if (sharded) {
      // ShardedRedisAdapter's constructor SSUBSCRIBEs its channel and its response channel.
      const channels = [SHARD_CHANNEL, `${SHARD_CHANNEL}${uid}#`];
      this.syncShards(id);
      this.emit({
        kind: 'adapter.attach',
        server: id,
        adapter: 'sharded',
        ...mode,
        uid,
        nsp: '/',
        channels,
      });
      return this;
    }
    const sub = { kind: 'redis.command', server: id, role: 'sub' } as const;
    this.emit({ ...sub, command: 'PSUBSCRIBE', args: ['socket.io#/#*'] });
    this.emit({
      ...sub,
      command: 'SUBSCRIBE',
      args: ['socket.io-request#/#', 'socket.io-response#/#', `socket.io-response#/#${uid}#`],
    });
    this.emit({
      kind: 'adapter.attach',
      server: id,
      adapter: 'redis',
      uid,
      nsp: '/',
      channels: ['socket.io#/#'],
    });
    return this;
  }

  /**
   * Sharded: the shard channels a server's adapter holds, as @socket.io/redis-adapter's
   * dist/sharded-adapter.js keeps them: its channel and response channel always; in `dynamic`
   * mode a channel per public room that has a member on the server (SSUBSCRIBE on
   * `create-room`, SUNSUBSCRIBE on `delete-room`, shouldUseASeparateNamespace), in
   * `dynamic-private` one per room, a socket's own too. Reports each change as the tap does: one
   * command per channel, its reply the connection's count, after the room event.
   */
  private syncShards(server: string): void {
    const s = this.servers[server];
    if (this.adapter !== 'sharded' || !s?.up) return;
    const wanted = [SHARD_CHANNEL, `${SHARD_CHANNEL}${s.uid}#`];
    if (this.subscriptionMode !== 'static')
      for (const c of this.members(server, [])) {
        const rooms =
          this.subscriptionMode === 'dynamic-private' ? [c.socketId, ...c.rooms] : c.rooms;
        for (const room of rooms) wanted.push(`${SHARD_CHANNEL}${room}#`);
      }
    const want = new Set(wanted);
    const had = new Set(s.shards);
    const report = (command: string, channel: string, reply: number) => {
      if (this.redisUp)
        this.emit({ kind: 'redis.command', server, role: 'sub', command, args: [channel], reply });
    };
    for (const channel of s.shards.filter((c) => !want.has(c))) {
      s.shards = s.shards.filter((c) => c !== channel);
      report('SUNSUBSCRIBE', channel, s.shards.length);
    }
    for (const channel of want) {
      if (had.has(channel)) continue;
      s.shards.push(channel);
      report('SSUBSCRIBE', channel, s.shards.length);
    }
  }

  serverDown(id: string, reason: 'stop' | 'crash' = 'stop'): this {
    const server = this.servers[id];
    if (!server?.up) return this;
    if (this.downFirst) this.emit({ kind: 'server.down', server: id, reason });
    for (const c of Object.values(this.clients)) {
      if (c.server !== id || !c.connected) continue;
      if (reason === 'stop')
        for (const room of c.rooms)
          this.emit({
            kind: 'room.leave',
            server: id,
            socketId: c.socketId,
            room,
            ...(this.markLeaves ? { closing: true } : {}),
          });
      this.emit({
        kind: 'client.disconnect',
        server: id,
        socketId: c.socketId,
        client: c.id,
        reason: 'server shutting down',
      });
      c.connected = false;
    }
    if (!this.downFirst) this.emit({ kind: 'server.down', server: id, reason });
    server.up = false;
    server.shards = [];
    return this;
  }

  /** Connects (or reconnects) a client to a server that is up; its rooms are joined again. */
  connect(id: string, server: string, rooms: string[] = []): this {
    if (!this.servers[server]?.up) return this;
    const old = this.clients[id];
    const client: SimClient = {
      id,
      server,
      socketId: '',
      connected: true,
      rooms: [...new Set([...(old?.rooms ?? []), ...rooms])],
      sockets: (old?.sockets ?? 0) + 1,
    };
    client.socketId = `${id}_${client.sockets}`.padEnd(20, '_');
    this.clients[id] = client;
    this.clientList = undefined;
    this.emit({
      kind: 'client.transport',
      server,
      socketId: client.socketId,
      client: id,
      transport: 'websocket',
    });
    this.emit({
      kind: 'client.connect',
      server,
      socketId: client.socketId,
      client: id,
      transport: 'websocket',
    });
    for (const room of client.rooms)
      this.emit({ kind: 'room.join', server, socketId: client.socketId, room });
    this.syncShards(server);
    return this;
  }

  /** A socket that names no lab client (a script, a curious student) connects, and joins `rooms`. */
  outside(socketId: string, server: string, rooms: string[] = []): this {
    this.emit({
      kind: 'client.connect',
      server,
      socketId,
      clientKind: 'outside',
      transport: 'websocket',
    });
    for (const room of rooms) this.emit({ kind: 'room.join', server, socketId, room });
    return this;
  }

  join(id: string, room: string, leave = false): this {
    const c = this.clients[id];
    if (!c?.connected || c.rooms.includes(room) !== leave) return this;
    c.rooms = leave ? c.rooms.filter((r) => r !== room) : [...c.rooms, room];
    this.emit({
      kind: leave ? 'room.leave' : 'room.join',
      server: c.server,
      socketId: c.socketId,
      room,
      ...(leave && this.markLeaves ? { closing: false } : {}),
    });
    this.syncShards(c.server);
    return this;
  }

  redis(up: boolean): this {
    if (this.redisUp === up) return this;
    this.redisUp = up;
    this.emit(
      {
        kind: 'lab.notice',
        server: 'hub',
        topic: up ? 'redis.up' : 'redis.down',
        text: `Redis ${up ? 'started' : 'stopped'}`,
      },
      'hub',
    );
    for (const s of Object.values(this.servers)) {
      if (!s.up) continue;
      for (const role of ['pub', 'sub'] as const) {
        const name = `${s.id}:${role}`;
        this.emit(
          up
            ? { kind: 'redis.connect', server: s.id, role, name }
            : { kind: 'redis.disconnect', server: s.id, role, name },
        );
      }
      if (up && this.adapter === 'sharded') {
        // ioredis subscribes again to what it held (not checked against a real lab's trace).
        s.shards = [];
        this.syncShards(s.id);
      } else if (up)
        this.emit({
          kind: 'redis.command',
          server: s.id,
          role: 'sub',
          command: 'PSUBSCRIBE',
          args: ['socket.io#/#*'],
        });
    }
    return this;
  }

  /** Exact running totals per up server, as the monitor sends them. */
  counters(): this {
    for (const s of Object.values(this.servers)) {
      if (s.up)
        this.emit({
          kind: 'counters',
          server: s.id,
          publishes: s.publishes,
          receipts: { ...s.receipts },
          deliveries: s.deliveries,
          skipped: this.skipped[s.id] ?? 0,
        });
    }
    return this;
  }

  /** Connected clients on a server that a broadcast to `rooms` reaches (all of them for none). */
  members(server: string, rooms: string[]): SimClient[] {
    // Object.values of a record of hundreds of clients, twenty times a broadcast, was most of the
    // synthetic feed's time: the list is kept until a client (re)connects.
    this.clientList ??= Object.values(this.clients);
    return this.clientList.filter(
      (c) =>
        c.connected &&
        c.server === server &&
        (rooms.length === 0 || c.rooms.some((r) => rooms.includes(r))),
    );
  }
}
