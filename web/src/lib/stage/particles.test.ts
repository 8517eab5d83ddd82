import { describe, expect, it } from 'vitest';
import { link } from './curves.ts';
import type { Segment } from './hop-animation.ts';
import { ParticleField } from './particles.ts';

const seg = (over: Partial<Segment> = {}): Segment => ({
  kind: 'publish',
  curve: link({ x: 0, y: 0 }, { x: 100, y: 0 }),
  stopAt: 1,
  mark: 'none',
  edge: 'pub:s1',
  leg: 0,
  ...over,
});

describe('ParticleField', () => {
  it('moves a particle along its link with easing, then fades it out', () => {
    const f = new ParticleField();
    f.spawn([seg()], 0, { dur: 100 });
    expect(f.frame(0)[0].at.x).toBe(0);
    expect(f.frame(50)[0].at.x).toBeCloseTo(50);
    const x25 = f.frame(25)[0].at.x;
    expect(x25).toBeLessThan(25); // ease in: slower at first
    expect(f.frame(100)[0].at.x).toBe(100);
    expect(f.frame(100 + 250 + 1)).toEqual([]);
  });

  it('a lost message stops where it was lost and shows its cross for a while', () => {
    const f = new ParticleField();
    f.spawn([seg({ kind: 'lost', stopAt: 0.5, mark: 'cross' })], 0, { dur: 100 });
    const [d] = f.frame(100);
    expect(d.at.x).toBeCloseTo(50);
    expect(d.mark).toBe('cross');
    expect(f.frame(2000)).toHaveLength(1);
    expect(f.frame(2700)).toHaveLength(0);
  });

  it('reduced motion: the hop shows at its end at once', () => {
    const f = new ParticleField();
    f.spawn([seg({ mark: 'check' })], 0, { dur: 500, reducedMotion: true });
    expect(f.frame(0)[0]).toMatchObject({ at: { x: 100, y: 0 }, mark: 'check' });
  });

  it('a delayed particle waits for its start', () => {
    const f = new ParticleField();
    f.spawn([seg()], 0, { dur: 100, delay: 200 });
    expect(f.frame(100)).toEqual([]);
    expect(f.frame(250)[0].at.x).toBeCloseTo(50);
    expect(f.particles).toHaveLength(1);
  });

  it('held hops stay until released', () => {
    const f = new ParticleField();
    f.spawn([seg()], 0, { dur: 10, held: true });
    expect(f.frame(60_000)).toHaveLength(1);
    f.releaseHeld();
    expect(f.frame(60_000)).toHaveLength(0);
  });

  it('merges the same hop on the same edge, and stops at its cap', () => {
    const f = new ParticleField(3, 150);
    f.spawn([seg(), seg(), seg({ edge: 'pub:s2' })], 0, { dur: 100 });
    expect(f.particles).toHaveLength(2);
    expect(f.merged).toBe(1);
    f.spawn([seg()], 200, { dur: 100 });
    f.spawn([seg({ edge: 'pub:s3' })], 200, { dur: 100 });
    expect(f.particles).toHaveLength(3);
    expect(f.skipped).toBe(1);
  });

  it("a hop's later legs start when the earlier ones end, and the log says when each began", () => {
    const f = new ParticleField();
    f.spawn([seg(), seg({ kind: 'match', edge: 'match:x', leg: 1 })], 1000, {
      dur: 100,
      delay: 50,
    });
    expect(f.log.map((r) => [r.kind, r.t0])).toEqual([
      ['publish', 1050],
      ['match', 1150],
    ]);
    expect(f.frame(1100).map((d) => d.kind)).toEqual(['publish']);
    expect(f.frame(1160).map((d) => d.kind)).toEqual(['publish', 'match']);
  });

  it('a line that works again loses its crosses; other lines keep theirs', () => {
    const f = new ParticleField();
    const lost = (edge: string) => seg({ kind: 'lost', stopAt: 0.5, mark: 'cross', edge });
    f.spawn([lost('sub:s1'), lost('sub:s1@channel:x'), lost('sub:s2'), seg()], 0, { dur: 10 });
    f.heal(new Set(['sub:s1']));
    expect(f.particles.map((p) => p.seg.edge)).toEqual(['sub:s2', 'pub:s1']);
    f.heal('all');
    expect(f.particles.map((p) => p.seg.edge)).toEqual(['pub:s1']);
  });
});
