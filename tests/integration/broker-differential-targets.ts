import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EmbeddedBroker } from '../../server/broker/broker.ts';
import type { Frame } from '../../server/broker/resp-reply-decoder.ts';
import {
  ScriptRunner,
  type Step,
  type Transcript,
} from '../../server/broker/resp-script-runner.ts';

/** The two servers a differential suite compares: the suite's redis-server and a broker. */
export interface DifferentialTargets {
  broker: EmbeddedBroker;
  redisPort: number;
  redisHost: string;
}

/** Starts a broker before the file's tests and stops it after; read the fields inside tests. */
export function useDifferentialTargets(): DifferentialTargets {
  const targets = {} as DifferentialTargets;
  beforeAll(async () => {
    targets.broker = await EmbeddedBroker.start();
    const url = new URL(inject('redisUrl'));
    targets.redisPort = Number(url.port || 6379);
    targets.redisHost = url.hostname;
  });
  afterAll(() => targets.broker.stop());
  return targets;
}

/** A step whose integers are milliseconds left (PTTL): compared to the nearest second. */
export type ClockStep = Step & { clock?: boolean };

/**
 * Removes what the clock makes differ: ids XADD took from the clock (`*`) become AUTO-1,
 * AUTO-2 ... in order of first appearance, and TTLs of `clock` steps are rounded.
 */
function normaliseClock(t: Transcript, steps: ClockStep[]): Transcript {
  const autoIds = new Map<string, string>();
  const fix = (f: Frame, clock: boolean): Frame => {
    if (f.type === 'bulk' && f.value !== null && /^1\d{12}-\d+$/.test(f.value)) {
      if (!autoIds.has(f.value)) autoIds.set(f.value, `AUTO-${autoIds.size + 1}`);
      return { type: 'bulk', value: autoIds.get(f.value)! };
    }
    if (clock && f.type === 'int' && f.value > 0) {
      return { type: 'int', value: Math.round(f.value / 1000) * 1000 };
    }
    if ((f.type === 'array' || f.type === 'push' || f.type === 'set') && f.value) {
      return { type: f.type, value: f.value.map((x) => fix(x, clock)) };
    }
    if (f.type === 'map')
      return { type: 'map', value: f.value.map(([k, v]) => [fix(k, clock), fix(v, clock)]) };
    return f;
  };
  return t.map((e) => ({ ...e, frames: e.frames.map((f) => fix(f, !!steps[e.step]?.clock)) }));
}

/**
 * Runs the steps on redis-server and on the broker and expects equal transcripts; returns the
 * (normalised) real one. Keys are `{p}` + a letter; the last step deletes the usual ones, so the
 * suite's shared Redis keeps nothing.
 */
export async function compareKeyScript(
  targets: DifferentialTargets,
  steps: ClockStep[],
  pipelined: boolean,
): Promise<Transcript> {
  const prefix = `sdiff-${randomBytes(4).toString('hex')}:`;
  const all = [...steps, { on: 'cleanup', send: ['DEL {p}a {p}b {p}c {p}s {p}str {p}k {p}k2'] }];
  const { redisPort, redisHost, broker } = targets;
  const real = await new ScriptRunner(redisPort, redisHost, prefix, pipelined).run(all);
  const ours = await new ScriptRunner(broker.port, '127.0.0.1', prefix, pipelined).run(all);
  const expected = normaliseClock(real, all);
  expect(normaliseClock(ours, all)).toEqual(expected);
  return expected;
}

export interface KeyScript {
  steps: ClockStep[];
  /** Substrings the real Redis transcript must contain, so a script that tests nothing fails. */
  expect: string[];
  /** MULTI swallows the runner's sync PING when sent one at a time: these run pipelined only. */
  pipelinedOnly?: boolean;
  /** Only meaningful in RESP2 (RESP3 has no subscriber mode to refuse commands in). */
  resp2Only?: boolean;
}

/** One test per script, protocol (HELLO 3 first on every connection) and pipelining. */
export function describeKeyScripts(
  targets: DifferentialTargets,
  scripts: Record<string, KeyScript>,
): void {
  for (const proto of [2, 3] as const) {
    for (const pipelined of [false, true]) {
      describe(`RESP${proto}, ${pipelined ? 'pipelined' : 'one command at a time'}`, () => {
        for (const [name, script] of Object.entries(scripts)) {
          if ((script.resp2Only && proto === 3) || (script.pipelinedOnly && !pipelined)) continue;
          it(name, async () => {
            const conns = [...new Set(script.steps.map((s) => s.on))];
            const hello = proto === 3 ? conns.map((on) => ({ on, send: ['HELLO 3'] })) : [];
            const real = await compareKeyScript(targets, [...hello, ...script.steps], pipelined);
            const frames = JSON.stringify(real.flatMap((e) => e.frames));
            for (const needle of script.expect) expect(frames).toContain(needle);
          });
        }
      });
    }
  }
}
