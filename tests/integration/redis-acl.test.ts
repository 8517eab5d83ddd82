/**
 * Who may publish on the lab's channels. A forged broadcast reaches every client; locked down,
 * the lab's servers log in as an ACL user that has the lab's channels, the default user has none,
 * and the same forged PUBLISH gets NOPERM, while the lab keeps serving. Also: the lab run as an
 * ACL user from the start (--redis-user), and its user remade after Redis restarts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  clientNames,
  closeAllLabs,
  makeLab,
  nextEvent,
  type TestLab,
} from '../support/lab-fixture.ts';
import { forgedChat } from '../support/hostile-messages.ts';
import { apiCalls } from '../../trace/api-calls.ts';

afterAll(closeAllLabs);

/** The users the lab's connections log in as, from CLIENT LIST. */
async function usersOf(lab: TestLab): Promise<Set<string>> {
  const list = String(await lab.admin.call('CLIENT', 'LIST'));
  const users = list
    .split('\n')
    .filter((l) => l.includes(`@${lab.lab.labId} `))
    .map((l) => /user=(\S+)/.exec(l)?.[1]);
  return new Set(users.filter((u): u is string => !!u));
}

describe.each(BACKENDS)('locking the channels down (%s)', (backend) => {
  it('a forged broadcast reaches every client; locked down, it gets NOPERM and the lab keeps serving', async () => {
    const lab = await makeLab(backend, { redisKind: 'owned', servers: 2 });
    const a = await lab.client('s1');
    const b = await lab.client('s2');
    const forged = nextEvent(b, 'chat message');
    expect(await lab.admin.publish('socket.io#/#', forgedChat('open door'))).toBeGreaterThan(0);
    expect(await forged).toEqual(['open door']);

    const locked = await lab.send(apiCalls.lockdown(true));
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ lockedDown: true, user: 'fanout' });
    expect(locked.body.rules).toContain('&socket.io#/#*');
    expect(lab.lab.info().redis).toMatchObject({ user: 'fanout', lockedDown: true });
    // The old monitor connections send their last batch, then go.
    await expect.poll(() => usersOf(lab)).toEqual(new Set(['fanout']));

    // Anyone else who reaches Redis is the default user now, which has no channels.
    await expect(lab.admin.publish('socket.io#/#', forgedChat('shut door'))).rejects.toThrow(
      /^NOPERM/,
    );
    const outsider = await lab.send(
      apiCalls.outsiderPublish({ event: 'chat message', args: ['shut door'] }),
    );
    expect(outsider.body.error).toMatch(/^NOPERM/);
    expect(outsider.body.receivers).toBeUndefined();
    await lab.waitForEvent(
      (e) => e.kind === 'lab.notice' && e.topic === 'outsider' && e.text.includes('NOPERM'),
      { past: true },
    );

    // The servers came back as the lab's user: a broadcast still crosses Redis.
    await new Promise<void>((resolve) =>
      a.connected ? resolve() : a.once('connect', () => resolve()),
    );
    await new Promise<void>((resolve) =>
      b.connected ? resolve() : b.once('connect', () => resolve()),
    );
    const crossed = nextEvent(b, 'chat message');
    a.emit('chat message', 'still serving');
    expect(await crossed).toEqual(['still serving']);

    // Redis restarts forget ACL users: the lab makes its user again and locks again.
    await lab.send(apiCalls.redis('stop'));
    // Both servers subscribed again, and s2's pub connection (which queues nothing) ready again.
    const resubscribed = [
      ...['s1', 's2'].map((server) =>
        lab.waitForEvent(
          (e) =>
            e.kind === 'redis.command' &&
            e.server === server &&
            e.command === 'PSUBSCRIBE' &&
            e.error === undefined,
          { timeoutMs: 20_000 },
        ),
      ),
      lab.waitForEvent((e) => e.kind === 'redis.connect' && e.server === 's2' && e.role === 'pub', {
        timeoutMs: 20_000,
      }),
    ];
    await lab.send(apiCalls.redis('start'));
    await Promise.all(resubscribed);
    const again = nextEvent(a, 'chat message', 10_000);
    b.emit('chat message', 'after a restart');
    expect(await again).toEqual(['after a restart']);
    await expect(lab.admin.publish('socket.io#/#', forgedChat('still shut'))).rejects.toThrow(
      /^NOPERM/,
    );

    // With Redis stopped, the ACL cannot change: a refusal with a sentence, and the lock stays.
    await lab.send(apiCalls.redis('stop'));
    for (const on of [false, true]) {
      const refused = await lab.refusal(apiCalls.lockdown(on));
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatch(/Redis is stopped, so the lab cannot change its ACL/);
    }
    expect(lab.lab.info().redis).toMatchObject({ lockedDown: true });
    // The same for a slow subscriber, whose limit the lab sets on its Redis.
    const slow = await lab.refusal(apiCalls.cut('s1', { mode: 'slow' }));
    expect(slow.status).toBe(409);
    expect(slow.body.error).toMatch(/Redis is not answering \(ECONNREFUSED\).*start it first/);
    await lab.send(apiCalls.redis('start'));
    await expect(lab.admin.publish('socket.io#/#', forgedChat('shut still'))).rejects.toThrow(
      /^NOPERM/,
    );

    const opened = await lab.send(apiCalls.lockdown(false));
    expect(opened.body).toEqual({ lockedDown: false });
    // The lab logs in again as it did before the lock-down.
    expect(lab.lab.info().redis).toMatchObject({ user: 'default', lockedDown: false });
    expect(await lab.admin.publish('socket.io#/#', forgedChat('open again'))).toBeGreaterThan(0);
    await lab.close();
  }, 60_000);

  it('runs as an ACL user from the start when given one, and makes it on a Redis it started', async () => {
    const lab = await makeLab(backend, {
      redisKind: 'owned',
      servers: 2,
      redisUser: 'class',
      redisPassword: 'pa55',
    });
    expect(lab.lab.info().redis.user).toBe('class');
    expect(await usersOf(lab)).toEqual(new Set(['class']));
    expect(await clientNames(lab.admin, lab.lab.labId)).toContain('s1:sub');
    const b = await lab.client('s2');
    const got = nextEvent(b, 'chat message');
    (await lab.client('s1')).emit('chat message', 'as class');
    expect(await got).toEqual(['as class']);
    await lab.close();
  });
});

describe('locking down a Redis the lab did not start', () => {
  it('is refused with a sentence: other programs may use its default user', async () => {
    const lab = await makeLab('redis');
    const res = await lab.refusal(apiCalls.lockdown(true));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/changes the ACL only of a Redis it started itself/);
    // Nothing to give back, so opening it is a no-op.
    expect((await lab.send(apiCalls.lockdown(false))).status).toBe(200);
    await lab.close();
  });
});
