import { describe, expect, it } from 'vitest';
import { ClassVote } from './class-vote.ts';

describe('ClassVote', () => {
  it('counts one vote per phone and lists only the counts', () => {
    const vote = new ClassVote(1, 'Who gets it?', ['c1', 'everyone', 'nobody']);
    expect(vote.cast('st1', 1)).toBeNull();
    expect(vote.cast('st2', 1)).toBeNull();
    expect(vote.cast('st3', 0)).toBeNull();
    expect(vote.cast('st1', 2)).toMatch(/voted already/);
    const info = vote.info();
    expect(info.counts).toEqual([1, 2, 0]);
    expect(info.voters).toBe(3);
    expect(JSON.stringify(info)).not.toMatch(/st[123]/);
  });

  it('refuses what is not a choice, and every vote once closed', () => {
    const vote = new ClassVote(1, 'Q', ['a', 'b']);
    for (const bad of [2, -1, 0.5, '0', null, undefined])
      expect(vote.cast('st1', bad)).toMatch(/not one of/);
    vote.close({ fits: [1], observed: 'b' });
    expect(vote.cast('st1', 0)).toMatch(/closed/);
    expect(vote.info()).toMatchObject({ open: false, outcome: { fits: [1], observed: 'b' } });
  });
});
