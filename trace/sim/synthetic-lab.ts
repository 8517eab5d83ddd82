/**
 * The page's synthetic feed (`?synthetic=clients,servers,flows`) and its benchmark: the simulated
 * lab (trace/sim/lab-script.ts) with N servers and M clients, where random clients broadcast
 * `chat message` at a steady rate (trace/sim/lab-traffic.ts writes each broadcast as a classic-adapter
 * lab does), every source sampled by the monitor's own rule (trace/sampling.ts) while the
 * counters stay exact. No server, no Redis: only the page's own work is measured. The caller owns
 * the clock and the timer (the page runs it in a worker); this module is pure.
 */
import type { Envelope } from '../events.ts';
import { LabScript } from './lab-script.ts';
import { broadcast } from './lab-traffic.ts';
import { DETAIL_PER_SECOND } from '../sampling.ts';
import { seededRandom } from './seeded-random.ts';

export interface SyntheticOptions {
  clients: number;
  servers: number;
  flowsPerSecond: number;
  /** Each source's detail budget (trace/sampling.ts); a lab's sink uses DETAIL_PER_SECOND. */
  detailPerSecond?: number;
  sampleOneIn?: number;
  seed?: number;
}

/**
 * Parses `200,10,500` (clients, servers, flows per second), with an optional fourth part, each
 * source's detail budget (`200,10,500,20000`: heavier than a lab sends, for the page's bench).
 */
export function parseSynthetic(spec: string | null): SyntheticOptions | null {
  if (spec === null) return null;
  // Empty parts take the defaults: `?synthetic` alone is the benchmark's load.
  const [clients = 200, servers = 10, flows = 500, detail] = spec
    .split(/[,x]/)
    .map((part) => (part.trim() === '' ? undefined : Number(part)))
    .map((n) => (n === undefined || (Number.isFinite(n) && n >= 0) ? n : NaN));
  if ([clients, servers, flows, detail].some(Number.isNaN)) return null;
  return {
    clients: Math.min(200, Math.floor(clients)),
    servers: Math.max(1, Math.min(10, Math.floor(servers))),
    flowsPerSecond: Math.min(2000, flows),
    ...(detail === undefined ? {} : { detailPerSecond: Math.max(1, detail) }),
  };
}

export class SyntheticLab {
  readonly script: LabScript;
  private readonly rnd: () => number;
  private readonly clientIds: string[];
  private now: number;
  private last: number;
  private carry = 0;
  private countersAt: number;

  constructor(
    readonly opts: SyntheticOptions,
    now: number,
  ) {
    this.now = this.last = this.countersAt = now;
    this.rnd = seededRandom(opts.seed ?? 7);
    this.script = new LabScript(() => this.now).sample({
      detailPerSecond: opts.detailPerSecond ?? DETAIL_PER_SECOND,
      sampleOneIn: opts.sampleOneIn,
    });
    this.clientIds = Array.from({ length: opts.clients }, (_, i) => `c${i + 1}`);
  }

  /** The lab coming up: servers, their pub/sub pairs and subscriptions, and every client. */
  setup(now: number): Envelope[] {
    this.now = now;
    const servers = Array.from({ length: this.opts.servers }, (_, i) => `s${i + 1}`);
    for (const s of servers) this.script.serverUp(s);
    this.clientIds.forEach((c, i) => this.script.connect(c, servers[i % servers.length]));
    return this.script.drain();
  }

  /** Everything that happened since the last call: one envelope per source that wrote any. */
  tick(now: number): Envelope[] {
    this.now = now;
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.carry += (elapsed / 1000) * this.opts.flowsPerSecond;
    const n = Math.floor(this.carry);
    this.carry -= n;
    for (let k = 0; k < n && this.clientIds.length > 0; k++)
      broadcast(this.script, this.clientIds[Math.floor(this.rnd() * this.clientIds.length)]);
    if (now - this.countersAt >= 1000) {
      this.countersAt = now;
      this.script.counters();
    }
    return this.script.drain();
  }
}
