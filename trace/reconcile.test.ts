import { describe, expect, it } from 'vitest';
import type { ClientReceive, LabEvent } from './events.ts';
import { LabScript } from './sim/lab-script.ts';
import { broadcast, fetchSockets, serverSideEmit } from './sim/lab-traffic.ts';
import { randomLab } from './sim/random-lab.ts';
import { reconcile, reconcileAll, type FlowReconciliation } from './reconcile.ts';
import { reduceAll } from './reducer.ts';

/** s1..s3 up; c1 on s1 (blue), c2 on s2 (blue), c3 on s3. */
function lab(): LabScript {
  const s = new LabScript().serverUp('s1').serverUp('s2').serverUp('s3');
  return s.connect('c1', 's1', ['blue']).connect('c2', 's2', ['blue']).connect('c3', 's3');
}

function outcomeOf(r: FlowReconciliation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of r.delivered) out[d.client] = 'delivered';
  for (const l of [...r.lost, ...r.excluded]) out[l.client] = l.reason as string;
  return out;
}

function run(script: LabScript, flow: string | undefined): FlowReconciliation {
  const result = reconcile(reduceAll(script.events), flow as string);
  if (!result) throw new Error(`flow ${flow} is not in the state`);
  return result;
}

describe('reconcile', () => {
  it('io.emit with everyone up reaches every client', () => {
    const s = lab();
    const r = run(s, broadcast(s, 'c1'));
    expect(r.expected).toEqual(['c1', 'c2', 'c3']);
    expect(r.delivered.map((d) => [d.client, d.via, d.times])).toEqual([
      ['c1', 'client.receive', 1],
      ['c2', 'client.receive', 1],
      ['c3', 'client.receive', 1],
    ]);
    expect(r.lost).toEqual([]);
  });

  it('a room emit excludes clients outside the room', () => {
    const s = lab();
    const r = run(s, broadcast(s, 'c1', 'blue'));
    expect(r.expected).toEqual(['c1', 'c2']);
    expect(r.excluded).toEqual([expect.objectContaining({ client: 'c3', reason: 'not-in-room' })]);
  });

  it.each(['stop', 'crash'] as const)(
    'after s2 %ss, its clients are lost as server-down',
    (how) => {
      const s = lab();
      s.serverDown('s2', how);
      const r = run(s, broadcast(s, 'c1', 'blue'));
      expect(outcomeOf(r)).toEqual({ c1: 'delivered', c2: 'server-down', c3: 'not-in-room' });
    },
  );

  it('a server that goes down after the emit, before delivering, is server-down', () => {
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    // Drop s3's receipt and deliveries: it crashed with the message in its buffer.
    const events = s.events.filter((e: LabEvent) => !(e.flow === flow && e.server === 's3'));
    s.serverDown('s3', 'crash');
    const state = reduceAll([
      ...events,
      ...s.events.slice(events.length + (s.events.length - events.length - 2)),
    ]);
    const r = reconcile(state, flow) as FlowReconciliation;
    expect(r.lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'server-down',
        detail: expect.stringContaining('went down'),
      }),
    ]);
  });

  it('with Redis down, only the origin server delivers; the rest are redis-down', () => {
    const s = lab();
    s.redis(false);
    const r = run(s, broadcast(s, 'c2'));
    expect(outcomeOf(r)).toEqual({ c1: 'redis-down', c2: 'delivered', c3: 'redis-down' });
  });

  it('a server whose sub connection dropped misses remote broadcasts: redis-down', () => {
    const s = lab();
    s.emit({ kind: 'redis.disconnect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    const flow = broadcast(s, 'c1') as string;
    const events = s.events.filter((e) => !(e.flow === flow && e.server === 's3'));
    const r = reconcile(reduceAll(events), flow) as FlowReconciliation;
    expect(r.lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'redis-down',
        detail: expect.stringContaining('s3'),
      }),
    ]);
  });

  it('a sub connection down at emit time and back by now: still redis-down, not unknown', () => {
    // Redis came back and s3's sub connection reconnected, but after this broadcast.
    const s = lab();
    s.emit({ kind: 'redis.disconnect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    const flow = broadcast(s, 'c1') as string;
    s.emit({ kind: 'redis.connect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    const events = s.events.filter((e) => !(e.flow === flow && e.server === 's3'));
    const r = reconcile(reduceAll(events), flow) as FlowReconciliation;
    expect(r.lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'redis-down',
        detail: "s3's sub connection to Redis was down at emit time",
      }),
    ]);
  });

  it('a sub connection that drops after the emit, and is back by now: redis-down, or cut-off when Redis closed a slow one', () => {
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    s.emit({ kind: 'redis.disconnect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    s.emit({ kind: 'redis.connect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    const unread = s.events.filter((e) => !(e.flow === flow && e.server === 's3'));
    expect((reconcile(reduceAll(unread), flow) as FlowReconciliation).lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'redis-down',
        detail: "s3's sub connection to Redis dropped before it got it",
      }),
    ]);
    // The same after a slow episode that Redis ended, told before the drop.
    const slow = lab();
    slow.emit({ kind: 'server.link', server: 's3', link: 'slow', step: 4 }, 'hub');
    slow.emit(
      { kind: 'server.link', server: 's3', link: 'open', closedBy: 'redis', step: 4 },
      'hub',
    );
    const late = broadcast(slow, 'c1') as string;
    slow.emit({ kind: 'redis.disconnect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    slow.emit({ kind: 'redis.connect', server: 's3', role: 'sub', name: 's3:sub', step: 4 });
    const lost = slow.events.filter((e) => !(e.flow === late && e.server === 's3'));
    expect((reconcile(reduceAll(lost), late) as FlowReconciliation).lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'cut-off',
        detail: "s3's subscriber fell behind and Redis cut it off",
      }),
    ]);
  });

  it("an origin cut off before its PUBLISH got through, told after the flow's first events: cut-off", () => {
    // The hub reports the cut in its own batch; s1's client.emit can arrive first.
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    s.emit({ kind: 'server.link', server: 's1', link: 'cut', step: 4 }, 'hub');
    const unpublished = s.events.filter(
      (e) => !(e.flow === flow && (e.server !== 's1' || e.kind === 'publish.result')),
    );
    const r = reconcile(reduceAll(unpublished), flow) as FlowReconciliation;
    expect(outcomeOf(r)).toEqual({ c1: 'delivered', c2: 'cut-off', c3: 'cut-off' });
    expect(r.lost[0].detail).toBe('s1 was cut off from Redis before its broadcast got through');
    // A broadcast that reached Redis's subscribers before the cut is not the cut's loss.
    const published = s.events.filter((e) => !(e.flow === flow && e.server !== 's1'));
    const later = reconcile(reduceAll(published), flow) as FlowReconciliation;
    expect(later.lost.map((l) => l.reason)).toEqual(['unknown', 'unknown']);
  });

  it('a slow subscriber: not read yet while slow; cut off once Redis closed it', () => {
    const s = lab();
    s.emit({ kind: 'server.link', server: 's3', link: 'slow', step: 4 }, 'hub');
    const flow = broadcast(s, 'c1') as string;
    // s3's subscriber read nothing of it: no receipt, no delivery, and c3 never got it.
    const unread = (e: LabEvent) =>
      !(e.flow === flow && (e.server === 's3' || ('client' in e && e.client === 'c3')));
    const lostNow = reconcile(reduceAll(s.events.filter(unread)), flow) as FlowReconciliation;
    expect(lostNow.lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        detail: "s3's subscriber is slow: it has not read it yet",
      }),
    ]);
    s.emit({ kind: 'server.link', server: 's3', link: 'open', closedBy: 'redis', step: 4 }, 'hub');
    const lost = reconcile(reduceAll(s.events.filter(unread)), flow) as FlowReconciliation;
    expect(lost.lost).toEqual([
      expect.objectContaining({
        client: 'c3',
        reason: 'cut-off',
        detail: "s3's subscriber fell behind and Redis cut it off",
      }),
    ]);
  });

  it('a missing receipt with no known cause is unknown', () => {
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    const events = s.events.filter(
      (e) =>
        !(e.kind === 'client.receive' && e.client === 'c3') &&
        !(e.kind === 'deliver' && e.server === 's3'),
    );
    const r = reconcile(reduceAll(events), flow) as FlowReconciliation;
    expect(r.lost).toEqual([expect.objectContaining({ client: 'c3', reason: 'unknown' })]);
  });

  it('without client reports, a deliver listing the socket counts as delivered', () => {
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    const r = reconcile(reduceAll(s.events.filter((e) => e.kind !== 'client.receive')), flow);
    expect(r?.delivered.map((d) => d.via)).toEqual(['deliver', 'deliver', 'deliver']);
  });

  it('a client that connects after the emit is unexpected, and duplicates are counted', () => {
    const s = lab();
    const flow = broadcast(s, 'c1') as string;
    const late = s.events.filter(
      (e): e is ClientReceive => e.flow === flow && e.kind === 'client.receive',
    );
    s.connect('c9', 's1');
    const extra = [
      { ...late[0], client: 'c9', socketId: s.clients.c9.socketId, seq: 9001 },
      { ...late[1], seq: 9002 },
    ] as LabEvent[];
    const r = reconcile(reduceAll([...s.events, ...extra]), flow) as FlowReconciliation;
    expect(r.unexpected.map((u) => u.client)).toEqual(['c9']);
    expect(r.delivered.find((d) => d.client === late[1].client)?.times).toBe(2);
  });

  it('request flows expect no clients', () => {
    const s = lab();
    const r = run(s, fetchSockets(s, 's1'));
    expect(r).toMatchObject({ kind: 'request', expected: [], lost: [] });
  });

  it('unknown flows give undefined', () => {
    expect(reconcile(reduceAll(lab().events), 'nope')).toBeUndefined();
  });

  it.each(Array.from({ length: 30 }, (_, i) => i + 1))(
    'agrees with what really happened, random lab %i',
    (seed) => {
      const { script, outcomes } = randomLab(seed, 150);
      const state = reduceAll(script.events);
      const all = reconcileAll(state);
      expect(all.length).toBe(Object.keys(outcomes).length);
      for (const r of all)
        expect({ flow: r.flow, ...outcomeOf(r) }).toEqual({ flow: r.flow, ...outcomes[r.flow] });
    },
  );
});

describe('reconcile, local-only broadcasts', () => {
  it('serverSideEmit answered with io.local: the origin server clients are excluded as local-only', () => {
    const s = lab();
    const flow = serverSideEmit(s, 'c3') as string;
    const r = run(s, flow);
    expect(r.origin).toBe('s3');
    expect(outcomeOf(r)).toEqual({ c1: 'delivered', c2: 'delivered', c3: 'local-only' });
  });

  it('with s2 down, s2 never handles it, so its client is excluded too', () => {
    const s = lab();
    s.serverDown('s2');
    const r = run(s, serverSideEmit(s, 'c3'));
    expect(outcomeOf(r)).toEqual({ c1: 'delivered', c2: 'local-only', c3: 'local-only' });
  });
});
