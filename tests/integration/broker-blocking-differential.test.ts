import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlockingScenario, type Action } from '../../server/broker/blocking-scenario.ts';
import { useDifferentialTargets } from './broker-differential-targets.ts';

/**
 * XREAD BLOCK on redis-server and on the broker: who is woken, with what, in which order, and
 * when the pipelined command after a blocked one runs. Every connection's replies must match.
 */

const targets = useDifferentialTargets();

const blockingScenarios: Record<string, { actions: Action[]; expect: string[] }> = {
  'XREAD BLOCK on $ wakes on XADD; the next pipelined command waits for it': {
    actions: [
      { on: 'r', send: ['XREAD BLOCK 0 STREAMS {p}s $', 'PING after'] },
      { blocked: 1 },
      { on: 'w', send: ['XADD {p}s 5-1 f v'] },
    ],
    expect: ['"5-1"', '"after"'],
  },
  'readers are served in order, after the whole EXEC, with their COUNT': {
    actions: [
      { on: 'r1', send: ['XREAD COUNT 1 BLOCK 0 STREAMS {p}b {p}s $ $'] },
      { on: 'r2', send: ['XREAD BLOCK 0 STREAMS {p}s $'] },
      { blocked: 2 },
      { on: 'w', send: ['MULTI', 'XADD {p}s 5-1 x 1', 'XADD {p}s 5-2 x 2', 'EXEC'] },
    ],
    expect: ['"5-2"', 'QUEUED'],
  },
  'only newer ids wake a reader, and a timeout answers null': {
    actions: [
      { on: 'w', send: ['DEL {p}s'] },
      { on: 'r2', send: ['XREAD BLOCK 0 STREAMS {p}s 9-0'] },
      { blocked: 1 },
      { on: 'w', send: ['XADD {p}s 3-0 y 1'] },
      { on: 'w', send: ['XADD {p}s 10-0 y 2'] },
      // Nobody writes to {p}a: the answer is the timeout's null.
      { on: 'r', send: ['XREAD BLOCK 50 STREAMS {p}a $'] },
    ],
    expect: ['"10-0"', '"3-0"'],
  },
  'a reader of two streams gets only the one that grew': {
    actions: [
      { on: 'r', send: ['XREAD BLOCK 0 STREAMS {p}a {p}b 0 $', 'PING'] },
      { blocked: 1 },
      { on: 'w', send: ['XADD {p}b 7-0 k v'] },
    ],
    expect: ['"7-0"'],
  },
  'an XADD that trims its own entry wakes the reader with an empty list': {
    actions: [
      { on: 'r', send: ['XREAD BLOCK 0 STREAMS {p}s $'] },
      { blocked: 1 },
      { on: 'w', send: ['XADD {p}s MAXLEN 0 8-0 k v', 'XLEN {p}s'] },
    ],
    expect: ['"8-0"'],
  },
  'a SET over the stream leaves the reader blocked until its timeout': {
    actions: [
      { on: 'w', send: ['XADD {p}s 1-0 k v'] },
      // Long enough to be seen blocked on a loaded machine before the SET.
      { on: 'r', send: ['XREAD BLOCK 1500 STREAMS {p}s $'] },
      { blocked: 1 },
      { on: 'w', send: ['SET {p}s str'] },
    ],
    expect: ['"OK"'],
  },
};

describe('blocking XREAD matches redis-server', () => {
  for (const proto of [2, 3] as const) {
    for (const [name, scenario] of Object.entries(blockingScenarios)) {
      it(`RESP${proto}: ${name}`, async () => {
        const prefix = `sblock-${randomBytes(4).toString('hex')}:`;
        const run = (port: number, host: string) =>
          new BlockingScenario(port, host, prefix, proto).run([
            ...scenario.actions,
            { on: 'w', send: ['DEL {p}s {p}a {p}b'] },
          ]);
        const real = await run(targets.redisPort, targets.redisHost);
        const ours = await run(targets.broker.port, '127.0.0.1');
        expect(ours).toEqual(real);
        for (const needle of scenario.expect) expect(JSON.stringify(real)).toContain(needle);
      });
    }
  }
});
