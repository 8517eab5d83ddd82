import { describe, expect, it } from 'vitest';
import { LAB, LifecycleQueue } from './lifecycle-queue.ts';
import { LabError } from './lab-error.ts';

/** An operation the test finishes by hand, recording when it starts and ends. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return {
    open,
    op: async () => {
      log.push(`start ${name}`);
      await opened;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('LifecycleQueue', () => {
  it('serves calls on one thing in the order they came, one at a time', async () => {
    const q = new LifecycleQueue();
    const log: string[] = [];
    const [a, b, c] = ['stop', 'start', 'crash'].map((n) => gate(log, n));
    const answers = [a, b, c].map((g, i) => q.run(['server:s1'], `op ${i}`, g.op));
    await tick();
    expect(log).toEqual(['start stop']);
    c.open();
    b.open();
    await tick();
    expect(log).toEqual(['start stop']);
    a.open();
    expect(await Promise.all(answers)).toEqual(['stop', 'start', 'crash']);
    expect(log).toEqual([
      'start stop',
      'end stop',
      'start start',
      'end start',
      'start crash',
      'end crash',
    ]);
  });

  it('runs calls on different things side by side', async () => {
    const q = new LifecycleQueue();
    const log: string[] = [];
    const [a, b] = ['s1', 's2'].map((n) => gate(log, n));
    const answers = [q.run(['server:s1'], 'a', a.op), q.run(['server:s2'], 'b', b.op)];
    await tick();
    expect(log).toEqual(['start s1', 'start s2']);
    b.open();
    a.open();
    await Promise.all(answers);
  });

  it('a lab-wide call waits for everything before it, and everything after waits for it', async () => {
    const q = new LifecycleQueue();
    const log: string[] = [];
    const [s1, setup, s2] = ['s1', 'setup', 's2'].map((n) => gate(log, n));
    const answers = [
      q.run(['server:s1'], 's1', s1.op),
      q.run(LAB, 'setup', setup.op),
      q.run(['server:s2'], 's2', s2.op),
    ];
    await tick();
    expect(log).toEqual(['start s1']);
    s2.open();
    setup.open();
    s1.open();
    await Promise.all(answers);
    expect(log).toEqual(['start s1', 'end s1', 'start setup', 'end setup', 'start s2', 'end s2']);
  });

  it('a later call on a free thing does not jump a waiting call it conflicts with', async () => {
    const q = new LifecycleQueue();
    const log: string[] = [];
    const [add, remove, stop] = ['add', 'remove', 'stop'].map((n) => gate(log, n));
    const answers = [
      q.run(['servers'], 'add', add.op),
      q.run(['servers', 'server:s2'], 'remove s2', remove.op),
      q.run(['server:s2'], 'stop s2', stop.op),
    ];
    await tick();
    // s2 itself is free, but the removal of s2 came first and waits: the stop waits behind it.
    expect(log).toEqual(['start add']);
    for (const g of [add, remove, stop]) g.open();
    await Promise.all(answers);
    expect(log.filter((l) => l.startsWith('start'))).toEqual([
      'start add',
      'start remove',
      'start stop',
    ]);
  });

  it('a failing call passes its error on and lets the next one run', async () => {
    const q = new LifecycleQueue();
    const failing = q.run(['redis'], 'stop Redis', async () => {
      throw new LabError(409, 'no');
    });
    const next = q.run(['redis'], 'start Redis', async () => 'started');
    await expect(failing).rejects.toThrow('no');
    expect(await next).toBe('started');
    expect(q.pending).toEqual([]);
  });

  it('refuses with a 409 naming what waits, once a thing has too many calls waiting', async () => {
    const q = new LifecycleQueue(2);
    const log: string[] = [];
    const g = gate(log, 'first');
    const accepted = [q.run(['server:s1'], 'stop s1', g.op)];
    accepted.push(q.run(['server:s1'], 'start s1', async () => 'ok'));
    accepted.push(q.run(['server:s1'], 'crash s1', async () => 'ok'));
    const refused = q.run(['server:s1'], 'stop s1', async () => 'never');
    await expect(refused).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/busy: 2 calls are waiting already \(start s1, crash s1…\)/),
    });
    // Another server is not held up by s1's queue.
    expect(await q.run(['server:s2'], 'stop s2', async () => 's2')).toBe('s2');
    g.open();
    await Promise.all(accepted);
  });

  it('close refuses what waits and what comes, and resolves when what runs has finished', async () => {
    const q = new LifecycleQueue();
    const log: string[] = [];
    const g = gate(log, 'running');
    const running = q.run(['server:s1'], 'stop s1', g.op);
    const waiting = q.run(['server:s1'], 'start s1', async () => 'never');
    await tick();
    let closed = false;
    const closing = q.close('The lab is shutting down.').then(() => (closed = true));
    await expect(waiting).rejects.toMatchObject({
      status: 409,
      message: 'The lab is shutting down.',
    });
    await expect(q.run(['server:s2'], 'x', async () => 1)).rejects.toMatchObject({ status: 409 });
    await tick();
    expect(closed).toBe(false);
    g.open();
    await running;
    await closing;
    expect(log).toEqual(['start running', 'end running']);
  });
});
