/**
 * Moving messages for the canvas layer: each hop segment becomes a particle that travels its
 * curve with D3 easing in its leg of the hop, stops where a lost message stopped, and shows its
 * mark for a moment. Pure (time is passed in), so what is drawn when can be tested without a
 * canvas.
 */
import { easeCubicInOut } from 'd3-ease';
import { pointOn, type Point } from './curves.ts';
import type { Mark, Segment, SegmentKind } from './hop-animation.ts';

export const MAX_PARTICLES = 800;
/** The same hop on the same edge within this window is drawn once: 200 clients of a folded group
 * receiving one message flash their group once, not 200 times on top of each other. */
export const MERGE_MS = 150;
/** Spawned segments remembered for the browser tests (which line, when). */
export const LOG_SIZE = 400;

export interface Particle {
  seg: Segment;
  t0: number;
  dur: number;
  /** How long the end mark stays after arriving. */
  hold: number;
  /** Stays drawn at its end until cleared (stepping, class pace). */
  held: boolean;
}

export interface Drawable {
  kind: SegmentKind;
  at: Point;
  /** Shown at the end: the decision or the cross of a lost message. */
  mark: Mark | null;
  /** 0..1: fades out during the hold. */
  alpha: number;
  flow?: string;
  label?: string;
  labelAt?: Point;
  /** It has reached its end (or where it was lost). */
  arrived: boolean;
  /** How far along its way, 0..1. */
  travel: number;
}

/** One spawned segment: where it went and when it starts moving. */
export interface SpawnRecord {
  kind: SegmentKind;
  edge?: string;
  flow?: string;
  t0: number;
  from: Point;
  to: Point;
}

export interface SpawnOptions {
  /** How long one leg takes. */
  dur: number;
  held?: boolean;
  reducedMotion?: boolean;
  /** Wait this long before the first leg. */
  delay?: number;
}

export class ParticleField {
  particles: Particle[] = [];
  /** Segments not drawn because the field was full (counters stay exact regardless). */
  skipped = 0;
  /** Segments merged into one already moving on the same edge. */
  merged = 0;
  readonly log: SpawnRecord[] = [];
  private lastOnEdge = new Map<string, number>();

  constructor(
    private readonly max = MAX_PARTICLES,
    private readonly mergeMs = MERGE_MS,
  ) {}

  spawn(segments: Segment[], now: number, opts: SpawnOptions): void {
    for (const seg of segments) {
      const { from, to } = seg.curve;
      if (!opts.held && seg.edge) {
        const key = `${seg.kind}|${seg.edge}|${seg.mark}|${from.x},${from.y}`;
        const last = this.lastOnEdge.get(key);
        if (last !== undefined && now - last < this.mergeMs) {
          this.merged += 1;
          continue;
        }
        this.lastOnEdge.set(key, now);
        if (this.lastOnEdge.size > 4 * this.max) this.lastOnEdge.clear();
      }
      if (this.particles.length >= this.max) {
        this.skipped += 1;
        continue;
      }
      const lost = seg.mark === 'cross';
      // Reduced motion: no travel, each hop shows at its end straight away.
      const dur = opts.reducedMotion || seg.kind === 'arrive' || seg.kind === 'down' ? 0 : opts.dur;
      const t0 = now + (opts.delay ?? 0) + (opts.reducedMotion ? 0 : seg.leg * opts.dur);
      this.particles.push({
        seg,
        t0,
        dur,
        hold: lost ? 2500 : seg.mark !== 'none' || seg.labelAt ? 1200 : 250,
        held: opts.held ?? false,
      });
      this.log.push({ kind: seg.kind, edge: seg.edge, flow: seg.flow, t0, from, to });
      if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
    }
  }

  /** Drops held particles (a new step replaces the previous one). */
  releaseHeld(): void {
    this.particles = this.particles.filter((p) => !p.held);
  }

  /**
   * A line that works again (a connection back up, a server restarted) loses its crosses: a
   * mark of what was lost must not stand on a healthy line.
   */
  heal(edges: ReadonlySet<string> | 'all'): void {
    this.particles = this.particles.filter(
      (p) =>
        p.seg.mark !== 'cross' ||
        (edges !== 'all' && (!p.seg.edge || !edges.has(p.seg.edge.split('@')[0]))),
    );
  }

  clear(): void {
    this.particles = [];
  }

  /** Advances to `now`: returns what to draw and forgets finished particles. */
  frame(now: number): Drawable[] {
    const out: Drawable[] = [];
    const alive: Particle[] = [];
    for (const p of this.particles) {
      const age = now - p.t0;
      // Not started yet (a later leg, or a later hop of a message that arrived all at once).
      if (age < 0) {
        alive.push(p);
        continue;
      }
      const travel = p.dur <= 0 ? 1 : Math.min(1, age / p.dur);
      const after = age - p.dur;
      if (!p.held && after > p.hold) continue;
      alive.push(p);
      const arrived = travel >= 1;
      out.push({
        kind: p.seg.kind,
        at: pointOn(p.seg.curve, easeCubicInOut(travel) * p.seg.stopAt),
        mark: arrived && p.seg.mark !== 'none' ? p.seg.mark : null,
        alpha: p.held || !arrived ? 1 : Math.max(0, 1 - after / p.hold),
        flow: p.seg.flow,
        label: p.seg.label,
        labelAt: p.seg.labelAt,
        arrived,
        travel,
      });
    }
    this.particles = alive;
    return out;
  }
}
