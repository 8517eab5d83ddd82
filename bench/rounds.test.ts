import { describe, expect, it, vi } from 'vitest';
import { inRounds } from './rounds.ts';

describe('inRounds', () => {
  it('runs the warm-up rounds first, then rotates the order so none always goes first', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const seen: [number, string][] = [];
    await inRounds(
      { programs: ['a', 'b', 'c'], rounds: 3, warmRounds: 1 },
      async (order, round) => {
        seen.push([round, order.join('')]);
        return order.join(' ');
      },
    );
    expect(seen).toEqual([
      [-1, 'abc'],
      [0, 'bca'],
      [1, 'cab'],
      [2, 'abc'],
    ]);
    expect(log.mock.calls.map(([line]) => String(line).split(':')[0])).toEqual([
      '  warm-up',
      '  round 1/3',
      '  round 2/3',
      '  round 3/3',
    ]);
    log.mockRestore();
  });
});
