/**
 * Moving messages for the canvas layer: each hop segment becomes a particle that travels its
 * link with D3 easing, stops where a lost message stopped, and shows its mark for a moment.
 * Pure (time is passed in), so what is drawn when can be tested without a canvas.
 */
import { easeCubicInOut } from 'd3';
import { pointOnLink, type Point } from './stage-layout.ts';
import type { HopKind, Mark, Segment } from './hop-animation.ts';

export const MAX_PARTICLES = 800;
/** The same hop on the same edge within this window is drawn once: 200 clients of a folded group
 * receiving one message flash their group once, not 200 times on top of each other. */
export const MERGE_MS = 150;

export interface Particle {
  seg: Segment;
  t0: number;
  dur: number;
  /** How long the end mark stays after arriving. */
  hold: number;
  /** Stays drawn at its end until cleared (stepping). */
  held: boolean;
}

export interface Drawable {
  kind: HopKind;
  at: Point;
  /** Shown at the end: the decision or the cross of a lost message. */
  mark: Mark | null;
  /** 0..1: fades out during the hold. */
  alpha: number;
  flow?: string;
  label?: string;
}

export class ParticleField {
  particles: Particle[] = [];
  /** Segments not drawn because the field was full (counters stay exact regardless). */
  skipped = 0;

  /** Segments merged into one already moving on the same edge. */
  merged = 0;
  private lastOnEdge = new Map<string, number>();

  constructor(
    private readonly max = MAX_PARTICLES,
    private readonly mergeMs = MERGE_MS,
  ) {}

  spawn(
    segments: Segment[],
    now: number,
    opts: { dur: number; held?: boolean; reducedMotion?: boolean; delay?: number },
  ): void {
    for (const seg of segments) {
      if (!opts.held && seg.edge) {
        const key = `${seg.kind}|${seg.edge}|${seg.mark}|${seg.from.x},${seg.from.y}`;
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
      this.particles.push({
        seg,
        t0: now + (opts.delay ?? 0),
        // Reduced motion: no travel, the hop shows at its end straight away.
        dur: opts.reducedMotion || seg.kind === 'arrive' || seg.kind === 'down' ? 0 : opts.dur,
        hold: lost ? 2500 : seg.mark !== 'none' ? 1200 : 250,
        held: opts.held ?? false,
      });
    }
  }

  /** Drops held particles (a new step replaces the previous one). */
  releaseHeld(): void {
    this.particles = this.particles.filter((p) => !p.held);
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
      // Not started yet (a later hop of a message that arrived all at once).
      if (age < 0) {
        alive.push(p);
        continue;
      }
      const travel = p.dur <= 0 ? 1 : Math.min(1, age / p.dur);
      const after = age - p.dur;
      if (!p.held && after > p.hold) continue;
      alive.push(p);
      const progress = easeCubicInOut(travel) * p.seg.stopAt;
      const at = pointOnLink(p.seg.from, p.seg.to, progress);
      const arrived = travel >= 1;
      out.push({
        kind: p.seg.kind,
        at,
        mark: arrived && p.seg.mark !== 'none' ? p.seg.mark : null,
        alpha: p.held || !arrived ? 1 : Math.max(0, 1 - after / p.hold),
        flow: p.seg.flow,
        label: p.seg.label,
      });
    }
    this.particles = alive;
    return out;
  }
}
