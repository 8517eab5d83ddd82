/**
 * The round loop the comparing benchmarks share (lab-bench.ts, cluster-bench.ts): warm-up rounds
 * first (negative round numbers, not to be recorded: the JIT, new sockets' buffers, the monitor's
 * first windows), then the measured ones, the programs in a rotating order so that none always
 * runs first or right after the same one; a line per round with the machine's load.
 */
import { load1 } from './process-cpu.ts';

export interface RoundsOptions<P> {
  programs: readonly P[];
  rounds: number;
  warmRounds: number;
  /** Starts each round's line (`30 clients, `). */
  prefix?: string;
}

/** `measure` runs one round over the programs in `order` and returns what its line says. */
export async function inRounds<P>(
  o: RoundsOptions<P>,
  measure: (order: P[], round: number) => Promise<string>,
): Promise<void> {
  const { programs, rounds, warmRounds } = o;
  for (let round = -warmRounds; round < rounds; round++) {
    const order = programs.map((_, i) => programs[(i + round + warmRounds) % programs.length]);
    const line = await measure(order, round);
    const which = round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`;
    console.log(`  ${o.prefix ?? ''}${which}: ${line}; load ${load1()}`);
  }
}
