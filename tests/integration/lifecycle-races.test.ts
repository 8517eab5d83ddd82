/**
 * Issue 19, defects 2 and 3: conflicting lifecycle calls that reach the hub in the same tick.
 * Each is served in order or refused with a sentence, never half-applied, and afterwards the
 * listing matches the ports that answer and the connections Redis holds.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, closeAllLabs, makeLab, type TestLab } from '../support/lab-fixture.ts';
import { sameTick, type RawResponse } from '../support/raw-http.ts';
import {
  REACHABLE,
  expectedConnections,
  portMismatches,
  settledConnections,
} from '../support/lab-consistency.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

type Listed = LabInfo['servers'][number];

function statuses(answers: RawResponse[]): number[] {
  return answers.map((a) => a.status).sort();
}

describe.each(BACKENDS)('conflicting lifecycle calls in the same tick (%s)', (backend) => {
  let lab: TestLab;
  let ports: number[];

  beforeEach(async () => {
    lab = await makeLab(backend, { servers: 3 });
    ports = lab.lab.info().servers.map((s) => s.port);
  });
  afterEach(() => lab.close());

  async function expectConsistent(): Promise<LabInfo> {
    const info = (await lab.send(apiCalls.lab())).body;
    expect(await portMismatches(info.servers, ports)).toEqual([]);
    expect(await settledConnections(lab.admin, info)).toEqual(expectedConnections(info));
    return info;
  }

  it('two DELETEs of s1 at once: one removes it, the other is told it is gone; s2 and s3 stay', async () => {
    const answers = await sameTick(lab.url, [
      { method: 'DELETE', target: '/api/servers/s1' },
      { method: 'DELETE', target: '/api/servers/s1' },
    ]);
    expect(statuses(answers)).toEqual([200, 404]);
    for (const gone of answers.filter((a) => a.status === 404))
      expect((gone.json as { error: string }).error).toMatch(/no server "s1"/);
    const info = await expectConsistent();
    expect(info.servers.map((s) => [s.id, s.state])).toEqual([
      ['s2', 'up'],
      ['s3', 'up'],
    ]);
    // The ports are free again, so the lab can be rebuilt.
    const rebuilt = await lab.send(apiCalls.setup({ servers: 3 }));
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.servers.map((s) => s.state)).toEqual(['up', 'up', 'up']);
    await expectConsistent();
  });

  it('two POST /api/servers: both are served, as s4 and s5, each listed once', async () => {
    const answers = await sameTick(lab.url, [
      { method: 'POST', target: '/api/servers', body: {} },
      { method: 'POST', target: '/api/servers', body: {} },
    ]);
    expect(statuses(answers)).toEqual([201, 201]);
    const made = answers.map((a) => a.json as Listed);
    expect(made.map((s) => s.id).sort()).toEqual(['s4', 's5']);
    expect(made.every((s) => s.state === 'up')).toBe(true);
    expect(new Set(made.map((s) => s.port)).size).toBe(2);
    ports.push(...made.map((s) => s.port));
    const info = await expectConsistent();
    expect(info.servers.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5']);
  });

  it('two setups: served one after the other, each answer the lab its own setup left', async () => {
    const answers = await sameTick(lab.url, [
      { method: 'POST', target: '/api/lab/setup', body: { servers: 2 } },
      { method: 'POST', target: '/api/lab/setup', body: { servers: 4 } },
    ]);
    expect(statuses(answers)).toEqual([200, 200]);
    const left = answers.map((a) => (a.json as LabInfo).servers);
    expect(left.map((servers) => servers.length)).toEqual([2, 4]);
    for (const servers of left) expect(servers.every((s) => s.state === 'up')).toBe(true);
    const info = await expectConsistent();
    // Whichever was served last is what the lab is now: nothing of the other is left half-done.
    expect([2, 4]).toContain(info.servers.length);
    expect(info.servers.every((s) => s.state === 'up')).toBe(true);
  });

  it('stop, start, crash and remove of one server at once: each answer says the state it reached', async () => {
    const calls = [
      { method: 'POST', target: '/api/servers/s2/stop' },
      { method: 'POST', target: '/api/servers/s2/start' },
      { method: 'POST', target: '/api/servers/s2/crash' },
      { method: 'DELETE', target: '/api/servers/s2' },
      { method: 'POST', target: '/api/servers/s2/start' },
    ];
    const answers = await sameTick(lab.url, calls);
    // Served one at a time, in the order they arrived: whatever came after the removal finds no
    // s2 (404); everything before it reached its own state.
    expect(answers.filter((a) => a.status === 200 && 'removed' in (a.json as object))).toHaveLength(
      1,
    );
    answers.forEach((a, i) => {
      expect([200, 404], a.text).toContain(a.status);
      const action = calls[i].target.split('/').pop()!;
      if (a.status === 200 && calls[i].method === 'POST')
        expect(REACHABLE[action]).toContain((a.json as Listed).state);
    });
    const info = await expectConsistent();
    expect(info.servers.map((s) => s.id)).toEqual(['s1', 's3']);
  });
});
