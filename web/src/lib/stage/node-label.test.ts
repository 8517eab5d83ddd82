import { describe, expect, it } from 'vitest';
import { nodeLabel } from './redis-column.ts';

/** Every character 0.6 em wide, as a monospace font is. */
const measure = (text: string, _font: string, size: number) => [...text].length * 0.6 * size;

describe("a cluster node's label", () => {
  it('stays on one line where it fits', () => {
    expect(nodeLabel('n1 · master 0-5460', 100 * 6, measure, 10)).toEqual(['n1 · master 0-5460']);
  });

  it('splits the name from the role and slots when narrow, rather than cutting the slots off', () => {
    // 18 characters of room: "n3 · master 10923-16383" (23) does not fit, each half does.
    expect(nodeLabel('n3 · master 10923-16383', 18 * 6, measure, 10)).toEqual([
      'n3',
      'master 10923-16383',
    ]);
    expect(nodeLabel('n3 · master 10923-16383 ✕ down', 18 * 6, measure, 10)).toEqual([
      'n3 ✕ down',
      'master 10923-16383',
    ]);
    // 12 characters: the slots stay whole, `master` goes up beside the name (unless it is down).
    expect(nodeLabel('n3 · master 10923-16383', 12 * 6, measure, 10)).toEqual([
      'n3 master',
      '10923-16383',
    ]);
    expect(nodeLabel('n3 · master 10923-16383 ✕ down', 12 * 6, measure, 10)).toEqual([
      'n3 ✕ down',
      '10923-16383',
    ]);
    expect(nodeLabel('n4 · replica of n1', 10 * 6, measure, 10)).toEqual(['n4', 'replica o…']);
  });
});
