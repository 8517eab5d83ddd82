import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, closeAllLabs, makeLab } from '../support/lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('why the sub connection is duplicated (%s)', (backend) => {
  it('under RESP2 a subscribed connection refuses a PUBLISH; under RESP3 it runs it', async () => {
    const lab = await makeLab(backend, { servers: 2, resp: 2 });
    expect((await lab.send(apiCalls.lab())).body.resp).toBe(2);
    const refused = await lab.send(apiCalls.subCommand('s1', ['PUBLISH', 'demo', 'hi']));
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ connection: 's1:sub', protocol: 2 });
    expect(refused.body.error).toMatch(/subscriber mode/);
    // PING is one of the few commands subscriber mode allows.
    const ping = await lab.send(apiCalls.subCommand('s1', ['PING']));
    expect(ping.body.error).toBeUndefined();

    const setup = await lab.send(apiCalls.setup({ resp: 3 }));
    expect(setup.body.resp).toBe(3);
    const ran = await lab.send(apiCalls.subCommand('s1', ['PUBLISH', 'demo', 'hi']));
    expect(ran.body).toMatchObject({ connection: 's1:sub', protocol: 3, reply: 0 });
    expect(ran.body.error).toBeUndefined();
    const traced = await lab.waitForEvent(
      (e) =>
        e.kind === 'redis.command' &&
        e.server === 's1' &&
        e.role === 'sub' &&
        e.command === 'PUBLISH',
      { past: true },
    );
    expect(traced.step).toBe(5);
    await lab.close();
  });

  it('only harmless commands may be tried', async () => {
    const lab = await makeLab(backend, { servers: 1 });
    const res = await lab.refusal(apiCalls.subCommand('s1', ['FLUSHALL']));
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('args');
    await lab.close();
  });
});
