/**
 * Issue 19, defects 1 and 6: requests the hub cannot parse. The lab runs as `npm start` does, in a
 * process of its own, so a request that kills it shows as the process exiting, as it did for a
 * class. Every such request gets a 4xx with a sentence, never a 500, and the lab keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { killAllRuns, startCli, type Run } from '../support/lab-process.ts';
import { rawRequest, sameTick, type RawRequest } from '../support/raw-http.ts';
import type { LabInfo } from '../../trace/lab-info.ts';

let lab: Run;
let base: string;

beforeAll(async () => {
  ({ lab, url: base } = await startCli(['--redis', inject('redisUrl')]));
  const made = await rawRequest(base, { method: 'POST', target: '/api/clients', body: {} });
  expect(made.status).toBe(201);
});

afterAll(async () => {
  if (lab.child.exitCode === null) lab.child.kill('SIGTERM');
  await lab.exited;
});
afterAll(killAllRuns);

/** The lab is alive: its process runs and it still answers a read with the lab. */
async function stillServing(): Promise<void> {
  expect(lab.child.exitCode, lab.output()).toBeNull();
  const res = await rawRequest(base, { method: 'GET', target: '/api/lab' });
  expect(res.status).toBe(200);
  expect((res.json as LabInfo).servers.map((s) => s.state)).toEqual(['up', 'up']);
}

describe('requests the hub cannot parse get a 4xx, and the lab lives on', () => {
  it.each<[string, RawRequest, number]>([
    ['malformed percent-encoding in a page path', { method: 'GET', target: '/%E0%A4%A' }, 400],
    ['an invalid request target', { method: 'GET', target: '//:99999' }, 400],
    ['malformed percent-encoding in an API path', { method: 'GET', target: '/api/%E0%A4%A' }, 400],
    [
      'malformed percent-encoding in an id',
      { method: 'POST', target: '/api/servers/%zz/stop' },
      400,
    ],
    ['an id with a path in it', { method: 'POST', target: '/api/servers/..%2F..%2Fetc/stop' }, 400],
    ['a NUL byte as an id', { method: 'DELETE', target: '/api/clients/%00' }, 400],
    ['an invalid target on the API', { method: 'POST', target: '//:99999/api/servers' }, 400],
    ['a limit that is not a number', { method: 'GET', target: '/api/trace?limit=many' }, 400],
    ['a negative limit', { method: 'GET', target: '/api/trace?limit=-5' }, 400],
    // Found by the chaos suite's API fuzz: Node's parser refused these with a bare 400, no sentence.
    ['raw non-ASCII bytes in an API path', { method: 'POST', target: '/api/servers/ä/stop' }, 400],
    ['a space in an API path', { method: 'GET', target: '/api/l ab' }, 400],
  ])('%s', async (_what, request, status) => {
    const res = await rawRequest(base, request);
    expect(res.status, res.text).toBe(status);
    if (request.target.includes('api')) expect((res.json as { error: string }).error).toMatch(/\w/);
    await stillServing();
  });

  it.each([
    'connect',
    'connect_error',
    'disconnect',
    'disconnecting',
    'newListener',
    'removeListener',
  ])(
    'a lab client asked to emit the reserved event %s gets 400 naming the field',
    async (event) => {
      const res = await rawRequest(base, {
        method: 'POST',
        target: '/api/clients/c1/emit',
        body: { event },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.json).toMatchObject({
        field: 'event',
        error: expect.stringMatching(/Socket\.IO's own events/),
      });
      await stillServing();
    },
  );

  it.each<[string, unknown, string | undefined]>([
    ['an event that is a number', { event: 5 }, 'event'],
    ['args that are a string', { event: 'chat message', args: 'hi' }, 'args'],
    ['a body that is an array', [], undefined],
    ['a body that is null', 'null', undefined],
    ['a body that is a string', '"hi"', undefined],
  ])('%s gets 400', async (_what, body, field) => {
    const res = await rawRequest(base, { method: 'POST', target: '/api/clients/c1/emit', body });
    expect(res.status, res.text).toBe(400);
    expect((res.json as { field?: string }).field).toBe(field);
    await stillServing();
  });

  it('a burst of all of them at once leaves the lab serving', async () => {
    const hostile: RawRequest[] = [
      { method: 'GET', target: '/%E0%A4%A' },
      { method: 'GET', target: '//:99999' },
      { method: 'POST', target: '/api/servers/%zz/stop' },
      { method: 'POST', target: '/api/clients/c1/emit', body: { event: 'connect' } },
      { method: 'PUT', target: '/api/%ff%fe' },
      { method: 'GET', target: '/api/lab?token=%zz' },
    ];
    const answers = await sameTick(base, hostile);
    expect(answers.map((a) => a.status < 500)).toEqual(hostile.map(() => true));
    await stillServing();
  });
});
