/**
 * Issue 19, defect 4 and "nothing hangs on Redis": stopping a server, removing it and shutting
 * the lab down finish within 2 s whether Redis is down or cut (connections open, nothing passing),
 * and a second Ctrl+C ends the lab at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { redisVersion } from '../../server/redis-finder.ts';
import { BACKENDS, closeAllLabs, makeLab, redisFor } from '../support/lab-fixture.ts';
import { RedisLink } from '../../server/redis-link.ts';
import { killAllRuns, startCli, waitForOutput } from '../support/lab-process.ts';
import { portMismatches } from '../support/lab-consistency.ts';
import { inject } from 'vitest';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);
afterAll(killAllRuns);

const BOUND_MS = 2000;

async function timed(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

describe.each(BACKENDS)('a lab whose Redis is cut (%s)', (backend) => {
  it('stops and removes servers, and shuts down, each within 2 s', async () => {
    const target = await redisFor(backend);
    const relay = await new RedisLink(target.url).open();
    const lab = await makeLab(backend, {
      servers: 3,
      redis: { ...target, url: relay.urlFor(target.url), managed: undefined, kind: 'external' },
    });
    try {
      expect(await redisVersion(relay.urlFor(target.url))).toBe(target.version.split(' ')[0]);
      const ports = lab.lab.info().servers.map((s) => s.port);
      relay.freeze();
      expect(await timed(() => lab.send(apiCalls.server('s1', 'stop')))).toBeLessThan(BOUND_MS);
      expect(await timed(() => lab.send(apiCalls.removeServer('s2')))).toBeLessThan(BOUND_MS);
      const info = (await lab.send(apiCalls.lab())).body;
      expect(info.servers.map((s) => [s.id, s.state])).toEqual([
        ['s1', 'down'],
        ['s3', 'up'],
      ]);
      expect(await portMismatches(info.servers, ports)).toEqual([]);
      expect(await timed(() => lab.close())).toBeLessThan(BOUND_MS + 1000);
    } finally {
      await relay.close();
      await target.managed?.stop();
    }
  });
});

describe('Ctrl+C (SIGINT) with Redis away', () => {
  it('ends the lab within 2 s while the Redis it runs is stopped', async () => {
    const { lab, url } = await startCli(['--broker']);
    expect((await fetch(`${url}/api/redis/stop`, { method: 'POST' })).status).toBe(200);
    const started = performance.now();
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(BOUND_MS + 1000);
  });

  it('a second Ctrl+C ends it at once, while the first still waits on a cut Redis', async () => {
    const relay = await new RedisLink(inject('redisUrl')).open();
    try {
      const { lab } = await startCli(['--redis', relay.urlFor(inject('redisUrl'))]);
      relay.freeze();
      lab.child.kill('SIGINT');
      await waitForOutput(lab, 'stopping');
      const started = performance.now();
      lab.child.kill('SIGINT');
      expect(await lab.exited).toBe(130);
      expect(performance.now() - started).toBeLessThan(500);
      expect(lab.output()).toMatch(/second Ctrl\+C/i);
    } finally {
      await relay.close();
    }
  });
});
