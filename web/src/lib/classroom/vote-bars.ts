/**
 * The class's votes as bars: D3's scales place them, Svelte draws them (VoteChart.svelte). One
 * row per choice, longest bar for the most votes, and the choices that fit what the lab did
 * marked once the teacher has run the step.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import type { ClassVoteInfo } from '../../../../trace/lab-info.ts';

export interface VoteBar {
  index: number;
  label: string;
  count: number;
  /** Of all votes, 0..1. */
  share: number;
  y: number;
  height: number;
  width: number;
  /** What the lab did fits this choice (known once the step ran). */
  fits: boolean;
}

export function voteBars(vote: ClassVoteInfo, width: number, height: number): VoteBar[] {
  const y = scaleBand<number>()
    .domain(vote.choices.map((_, i) => i))
    .range([0, height])
    .paddingInner(0.25);
  const most = Math.max(1, ...vote.counts);
  const x = scaleLinear().domain([0, most]).range([0, width]);
  return vote.choices.map((label, index) => {
    const count = vote.counts[index] ?? 0;
    return {
      index,
      label,
      count,
      share: vote.voters ? count / vote.voters : 0,
      y: y(index) ?? 0,
      height: y.bandwidth(),
      width: x(count),
      fits: vote.outcome?.fits.includes(index) ?? false,
    };
  });
}
