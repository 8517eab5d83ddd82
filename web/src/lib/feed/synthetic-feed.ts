/**
 * A synthetic monitor stream for the page's `?synthetic=clients,servers,flows` mode and its
 * benchmark: a classic-adapter lab of N servers and M clients where random clients broadcast
 * `chat message` at a steady rate. It writes the events a real lab writes per broadcast
 * (client.emit, publish, local deliver, publish.result, a receive per server with the adapter's
 * decision, remote delivers, and a client.receive per client) and samples them the way the
 * monitor sink does under load, per source: the servers' events and the hub's client.receive
 * reports each have a budget of `detailPerSecond` per source; past it whole flows are kept or
 * left out, one in `sampleOneIn`, while `counters` stay exact. No server, no Redis: only the
 * page's own work is measured.
 */
import {
  TRACE_VERSION,
  defaultStep,
  type Envelope,
  type LabEvent,
} from '../../../../trace/events.ts';
import type { Draft } from '../../../../trace/lab-script.ts';
import { seededRandom } from '../../../../trace/seeded-random.ts';

export interface SyntheticOptions {
  clients: number;
  servers: number;
  flowsPerSecond: number;
  /** Detail events per second before sampling starts (the monitor sink's default is 4000 per source). */
  detailPerSecond?: number;
  sampleOneIn?: number;
  seed?: number;
}

/** Parses `200,10,500` (clients, servers, flows per second). */
export function parseSynthetic(spec: string | null): SyntheticOptions | null {
  if (spec === null) return null;
  // Empty parts take the defaults: `?synthetic` alone is the benchmark's load.
  const [clients = 200, servers = 10, flows = 500] = spec
    .split(/[,x]/)
    .map((part) => (part.trim() === '' ? undefined : Number(part)))
    .map((n) => (n === undefined || (Number.isFinite(n) && n >= 0) ? n : NaN));
  if ([clients, servers, flows].some(Number.isNaN)) return null;
  return {
    clients: Math.min(200, Math.floor(clients)),
    servers: Math.max(1, Math.min(10, Math.floor(servers))),
    flowsPerSecond: Math.min(2000, flows),
  };
}

export class SyntheticLab {
  private seq = new Map<string, number>();
  private rnd: () => number;
  private flows = 0;
  private carry = 0;
  private last: number;
  /** Detail tokens of the servers (together) and of the hub. */
  private budget = { servers: 0, hub: 0 };
  private budgetAt: number;
  private counts = new Map<
    string,
    { publishes: number; own: number; delivered: number; deliveries: number }
  >();
  private countersAt: number;
  readonly serverIds: string[];
  readonly clientIds: string[];
  /** Flows whose detail was sent, and all flows: the sampling ratio. */
  detailed = 0;
  total = 0;

  constructor(
    readonly opts: SyntheticOptions,
    now: number,
  ) {
    this.rnd = seededRandom(opts.seed ?? 7);
    this.last = now;
    this.budget = { servers: this.serverBudget, hub: this.hubBudget };
    this.budgetAt = now;
    this.countersAt = now;
    this.serverIds = Array.from({ length: opts.servers }, (_, i) => `s${i + 1}`);
    this.clientIds = Array.from({ length: opts.clients }, (_, i) => `c${i + 1}`);
    for (const s of this.serverIds)
      this.counts.set(s, { publishes: 0, own: 0, delivered: 0, deliveries: 0 });
  }

  private get serverBudget(): number {
    return (this.opts.detailPerSecond ?? 4000) * this.opts.servers;
  }
  private get hubBudget(): number {
    return this.opts.detailPerSecond ?? 4000;
  }

  serverOf(client: number): string {
    return this.serverIds[client % this.serverIds.length];
  }

  socketOf(client: number): string {
    return `sock${String(client + 1).padStart(4, '0')}`.padEnd(20, '_');
  }

  private stamp(out: LabEvent[] | null, draft: Draft, t: number, source = draft.server): void {
    if (!out) return;
    const seq = (this.seq.get(source) ?? 0) + 1;
    this.seq.set(source, seq);
    out.push({
      ...draft,
      seq,
      t,
      step: defaultStep(draft),
    } as LabEvent);
  }

  /** The lab coming up: servers, their pub/sub pairs, subscriptions and every client. */
  setup(now: number): Envelope {
    const out: LabEvent[] = [];
    this.serverIds.forEach((s, i) => {
      this.stamp(out, { kind: 'server.up', server: s, port: 4001 + i, adapter: 'redis' }, now);
      for (const role of ['pub', 'sub'] as const)
        this.stamp(
          out,
          {
            kind: 'redis.connect',
            server: s,
            role,
            name: `${s}:${role}`,
            duplicated: role === 'sub',
          },
          now,
        );
      this.stamp(
        out,
        {
          kind: 'redis.command',
          server: s,
          role: 'sub',
          command: 'PSUBSCRIBE',
          args: ['socket.io#/#*'],
        },
        now,
      );
      this.stamp(
        out,
        {
          kind: 'adapter.attach',
          server: s,
          adapter: 'redis',
          uid: `${s}uid`.padEnd(6, 'x'),
          nsp: '/',
          channels: ['socket.io#/#'],
        },
        now,
      );
    });
    this.clientIds.forEach((c, i) => {
      this.stamp(
        out,
        {
          kind: 'client.connect',
          server: this.serverOf(i),
          socketId: this.socketOf(i),
          client: c,
          transport: 'websocket',
        },
        now,
      );
    });
    return { v: TRACE_VERSION, from: 'synthetic', events: out };
  }

  private membersOf(server: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.clientIds.length; i++) if (this.serverOf(i) === server) out.push(i);
    return out;
  }

  /** Everything that happened since the last call: one envelope, possibly empty. */
  tick(now: number): Envelope {
    const out: LabEvent[] = [];
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    const dt = (now - this.budgetAt) / 1000;
    this.budget.servers = Math.min(this.serverBudget, this.budget.servers + dt * this.serverBudget);
    this.budget.hub = Math.min(this.hubBudget, this.budget.hub + dt * this.hubBudget);
    this.budgetAt = now;
    this.carry += (elapsed / 1000) * this.opts.flowsPerSecond;
    const n = Math.floor(this.carry);
    this.carry -= n;
    for (let k = 0; k < n && this.clientIds.length > 0; k++) this.flow(out, now);
    if (now - this.countersAt >= 1000) {
      this.countersAt = now;
      for (const s of this.serverIds) {
        const c = this.counts.get(s)!;
        this.stamp(
          out,
          {
            kind: 'counters',
            server: s,
            publishes: c.publishes,
            receipts: { delivered: c.delivered, 'own-message': c.own },
            deliveries: c.deliveries,
            skipped: 0,
          },
          now,
        );
      }
    }
    return { v: TRACE_VERSION, from: 'synthetic', events: out };
  }

  private flow(out: LabEvent[], now: number): void {
    const from = Math.floor(this.rnd() * this.clientIds.length);
    const origin = this.serverOf(from);
    const id = `${origin}-${++this.flows}`;
    this.total += 1;
    // Like MonitorSink: a source over its budget keeps one flow in `sampleOneIn`, whole.
    const sampledIn = this.flows % (this.opts.sampleOneIn ?? 10) === 0;
    const serverCost = 3 + 2 * this.serverIds.length;
    const hubCost = this.clientIds.length;
    const serverDetail = this.budget.servers >= serverCost || sampledIn;
    const hubDetail = this.budget.hub >= hubCost || sampledIn;
    // Counters are exact whether or not the detail is sent.
    const oc = this.counts.get(origin)!;
    oc.publishes += 1;
    for (const s of this.serverIds) {
      const c = this.counts.get(s)!;
      const members = this.membersOf(s).length;
      c.deliveries += members;
      if (s === origin) c.own += 1;
      else c.delivered += 1;
    }
    if (!serverDetail && !hubDetail) return;
    if (serverDetail) this.budget.servers -= serverCost;
    if (hubDetail) this.budget.hub -= hubCost;
    this.detailed += 1;
    // The servers' part of a flow, and the hub's client receipts, are sampled separately.
    const srv = serverDetail ? out : null;
    const text = `message ${this.flows}`;
    const event = 'chat message';
    this.stamp(
      srv,
      {
        kind: 'client.emit',
        server: origin,
        flow: id,
        socketId: this.socketOf(from),
        client: this.clientIds[from],
        event,
        args: [text],
        bytes: 24 + text.length,
      },
      now,
    );
    this.stamp(
      srv,
      {
        kind: 'publish',
        server: origin,
        flow: id,
        command: 'PUBLISH',
        channel: 'socket.io#/#',
        bytes: 60 + text.length,
        pubId: this.flows,
        message: {
          format: 'msgpack',
          kind: 'broadcast',
          uid: `${origin}uid`.padEnd(6, 'x'),
          event,
          value: [
            `${origin}uid`.padEnd(6, 'x'),
            { type: 2, data: [event, text], nsp: '/' },
            { rooms: [], except: [], flags: {} },
          ],
        },
      },
      now,
    );
    const deliver = (server: string, origin2: 'local' | 'remote') => {
      const members = this.membersOf(server);
      this.stamp(
        srv,
        {
          kind: 'deliver',
          server,
          flow: id,
          origin: origin2,
          event,
          rooms: [],
          except: [],
          sockets: members.slice(0, 50).map((m) => this.socketOf(m)),
          count: members.length,
        },
        now,
      );
      if (hubDetail)
        for (const m of members)
          this.stamp(
            out,
            {
              kind: 'client.receive',
              server,
              flow: id,
              socketId: this.socketOf(m),
              client: this.clientIds[m],
              event,
              args: [text],
            },
            now,
            'hub',
          );
    };
    deliver(origin, 'local');
    this.stamp(
      srv,
      {
        kind: 'publish.result',
        server: origin,
        flow: id,
        pubId: this.flows,
        channel: 'socket.io#/#',
        receivers: this.serverIds.length,
        ms: 0.3,
      },
      now,
    );
    for (const s of this.serverIds) {
      const own = s === origin;
      this.stamp(
        srv,
        {
          kind: 'receive',
          server: s,
          flow: id,
          channel: 'socket.io#/#',
          pattern: 'socket.io#/#*',
          via: 'pmessage',
          bytes: 60 + text.length,
          decision: own ? 'own-message' : 'delivered',
          ...(own ? {} : { sockets: this.membersOf(s).length }),
        },
        now,
      );
      if (!own) deliver(s, 'remote');
    }
  }
}
