/**
 * What every chaos scenario shares: the run's seed and size, its progress lines, the promises
 * it found broken, and the two watchers most scenarios need on a real lab (tests/support's
 * makeLab, the same lab the integration tests run): a steady chat traffic from the lab's own
 * clients, and a reconciler that checks every flow once it has had time to arrive.
 */
import { emptyState, type LabState } from '../trace/state.ts';
import { reduce } from '../trace/reducer.ts';
import { reconcileFlow } from '../trace/reconcile.ts';
import { seededRandom } from '../trace/sim/seeded-random.ts';
import type { TestLab } from '../tests/support/lab-fixture.ts';
import { apiCalls } from '../trace/api-calls.ts';

export interface ChaosRun {
  seed: number;
  full: boolean;
  rnd: () => number;
  log(line: string): void;
  /** A broken promise: the run goes on to the end of its scenario, then exits non-zero. */
  broke(scenario: string, what: string): void;
  broken: string[];
}

export function chaosRun(seed: number, full: boolean, log = console.log): ChaosRun {
  const broken: string[] = [];
  return {
    seed,
    full,
    rnd: seededRandom(seed),
    log,
    broken,
    broke(scenario, what) {
      broken.push(`${scenario}: ${what}`);
      log(`  BROKEN ${scenario}: ${what}`);
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Chat messages from the lab's clients through the control API, `perSecond` of them, each from
 * a client picked at random among those whose server is up (a message from a client whose
 * server is down would only measure the refusal).
 */
export class Traffic {
  sent = 0;
  refused = 0;
  private timer?: ReturnType<typeof setInterval>;
  private inFlight = new Set<Promise<unknown>>();

  constructor(
    private lab: TestLab,
    private rnd: () => number,
    private perSecond: number,
  ) {}

  start(): void {
    const everyMs = 1000 / this.perSecond;
    let due = Date.now();
    this.timer = setInterval(() => {
      // Catch up with the clock: timers run late on a loaded machine.
      while (due <= Date.now()) {
        due += everyMs;
        this.one();
      }
    }, 20);
  }

  private one(): void {
    const up = new Set(
      this.lab.lab
        .info()
        .servers.filter((s) => s.state === 'up')
        .map((s) => s.id),
    );
    const clients = this.lab.lab.clients
      .list()
      .filter((c) => up.has(c.server) && c.state === 'connected');
    if (clients.length === 0) return;
    const c = clients[Math.floor(this.rnd() * clients.length)];
    const n = ++this.sent;
    const call = this.lab
      .send(apiCalls.emit(c.id, 'chat message', [`chaos ${n}`]))
      .then((r) => {
        if (r.status >= 300) this.refused += 1;
      })
      .catch(() => (this.refused += 1))
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }
}

export interface FlowTally {
  flows: number;
  expected: number;
  delivered: number;
  lost: Record<string, number>;
  duplicates: number;
  unexpected: number;
  /**
   * Flows that overlapped a time when a server's monitor was sampling (monitor.mode): their
   * trace is incomplete by design, so they are counted, not reconciled (the counters are exact).
   */
  sampled: number;
  /** Flows still waiting for late receipts when the state let them go: not judged. */
  evicted: number;
}

const LATE_MS = 20_000;

/**
 * Reduces the lab's events as they come (the page's reducer) and reconciles each broadcast flow
 * once it is `settleMs` old: every expected client must be delivered or lost with a reason, and
 * "unknown" is no reason.
 */
export class FlowChecker {
  readonly tally: FlowTally = {
    flows: 0,
    expected: 0,
    delivered: 0,
    lost: {},
    duplicates: 0,
    unexpected: 0,
    sampled: 0,
    evicted: 0,
  };
  private waiting = new Set<string>();
  /** Per server, when its monitor sampled: [from, to) (to open while it still does). */
  private sampling: { server: string; from: number; to?: number }[] = [];
  private state: LabState = emptyState();
  private read = 0;
  private checked = new Set<string>();

  /**
   * `forget`: drop the lab's events once reduced. The test fixture keeps every event it got;
   * over a long run that array, not the lab, would be what the process's memory measures.
   */
  constructor(
    private lab: TestLab,
    private run: ChaosRun,
    private scenario: string,
    private forget = false,
  ) {}

  /** The page's state of the lab, up to the last event. */
  current(): LabState {
    this.take();
    return this.state;
  }

  private take(): void {
    const events = this.lab.events;
    for (; this.read < events.length; this.read++) {
      const e = events[this.read];
      if (e.kind === 'monitor.mode') {
        const open = this.sampling.find((x) => x.server === e.server && x.to === undefined);
        if (e.mode === 'sampled' && !open) this.sampling.push({ server: e.server, from: e.t });
        if (e.mode === 'detail' && open) open.to = e.t;
      }
      reduce(this.state, e);
    }
    if (this.forget) {
      events.splice(0, this.read);
      this.read = 0;
    }
  }

  /** Reconciles the flows that had `settleMs` to arrive; `all` takes the rest too (traffic stopped). */
  check(settleMs = 3000, all = false): void {
    this.take();
    const before = Date.now() - settleMs;
    const t = this.tally;
    // A flow waiting for late receipts that the state let go (FLOW_CAP, FLOW_EVENT_SPAN).
    for (const id of this.waiting)
      if (!this.state.flows[id]) {
        this.waiting.delete(id);
        t.evicted += 1;
      }
    for (const id of this.state.flowOrder) {
      const flow = this.state.flows[id];
      if (!flow || this.checked.has(id) || flow.kind !== 'broadcast' || flow.foreign) continue;
      if (!all && flow.lastT > before) continue;
      // On a loaded machine a server's monitor batch can come seconds late: a flow with a loss
      // that has no reason yet gets LATE_MS to complete before it counts as broken.
      if (
        !all &&
        Date.now() - flow.firstT < LATE_MS &&
        reconcileFlow(this.state, flow).lost.some((l) => l.reason === 'unknown')
      ) {
        this.waiting.add(id);
        continue;
      }
      this.waiting.delete(id);
      this.checked.add(id);
      // A second of margin: the mode event and the flow's events come from different sources.
      if (
        this.sampling.some(
          (x) => x.from - 1000 <= flow.lastT && (x.to === undefined || x.to + 1000 >= flow.firstT),
        )
      ) {
        t.sampled += 1;
        continue;
      }
      const r = reconcileFlow(this.state, flow);
      t.flows += 1;
      t.expected += r.expected.length;
      t.delivered += r.delivered.length;
      t.unexpected += r.unexpected.length;
      t.duplicates += r.delivered.filter((d) => (d.times ?? 1) > 1).length;
      for (const l of r.lost) t.lost[l.reason ?? 'none'] = (t.lost[l.reason ?? 'none'] ?? 0) + 1;
      if (r.delivered.length + r.lost.length !== r.expected.length)
        this.run.broke(
          this.scenario,
          `flow ${id}: expected ${r.expected.length}, accounted for ${r.delivered.length + r.lost.length}`,
        );
      for (const l of r.lost.filter((x) => !x.reason || x.reason === 'unknown')) {
        const events = this.lab.events;
        if (process.env.CHAOS_DEBUG)
          this.run.log(
            JSON.stringify({
              atEmit: flow.atEmit,
              origin: flow.origin,
              publishes: flow.publishes,
              receipts: flow.receipts.map((x) => [x.server, x.decision]),
              member: this.state.rosters[flow.atEmit.roster]?.audience[l.client],
              events: events
                .filter(
                  (e) =>
                    (e.kind === 'server.link' ||
                      e.kind === 'redis.connect' ||
                      e.kind === 'redis.disconnect' ||
                      e.kind === 'server.up' ||
                      e.kind === 'server.down' ||
                      e.flow === id ||
                      (e.kind === 'redis.command' &&
                        e.command.toUpperCase().includes('SUBSCRIBE'))) &&
                    Math.abs(e.t - flow.firstT) < 3000,
                )
                .map(
                  (e) =>
                    `${e.t - flow.firstT} ${e.server} ${e.kind} ${'link' in e ? e.link : ''}${'role' in e ? e.role : ''}${'decision' in e ? e.decision : ''}${'command' in e ? e.command : ''}`,
                ),
            }),
          );
        this.run.broke(
          this.scenario,
          `flow ${id} (${flow.event}) lost at ${l.client} on ${l.server} with no reason: ${l.detail}`,
        );
      }
    }
  }
}

/** Listeners on the process and on the lab: counted before and after, they must not grow. */
export function listenerCount(lab: TestLab): number {
  const emitters: NodeJS.EventEmitter[] = [process, lab.lab];
  return emitters.reduce(
    (sum, em) => sum + em.eventNames().reduce((s, name) => s + em.listenerCount(name), 0),
    0,
  );
}
