import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { hopSegments, isHop, legsOf } from './hop-animation.ts';
import { stageOf, threeServers } from './stage-fixture.ts';

/** Each event after `before`, with what it moves on the stage as it then stands. */
function mapped(events: readonly LabEvent[], before: number) {
  const { layout, state } = stageOf(events);
  return events.slice(before).map((e) => ({ e, segs: hopSegments(e, layout, state), layout }));
}

describe('hopSegments', () => {
  it('maps a broadcast hop by hop, through the channel and the pattern in Redis', () => {
    const script = threeServers();
    const before = script.events.length;
    const flow = broadcast(script, 'c1')!;
    const hops = mapped(script.events, before);
    const kinds = hops.map(({ e, segs }) => [
      e.kind,
      e.server,
      segs.map((s) => `${s.kind}:${s.edge}:${s.mark}:${s.leg}`),
    ]);
    expect(kinds).toEqual([
      ['client.emit', 's1', ['frame:ws:c1:none:0']],
      ['publish', 's1', ['publish:pub:s1:none:0', 'match:match:channel:socket.io#/#:none:1']],
      ['deliver', 's1', ['deliver:ws:c1:none:0']],
      ['client.receive', 's1', ['arrive:ws:c1:check:0']],
      ['publish.result', 's1', ['reply:pub:s1:none:0']],
      ['receive', 's1', ['fanout:sub:s1:own:0']],
      ['receive', 's2', ['fanout:sub:s2:check:0']],
      ['deliver', 's2', ['deliver:ws:c2:none:0']],
      ['client.receive', 's2', ['arrive:ws:c2:check:0']],
      ['receive', 's3', ['fanout:sub:s3:check:0']],
      ['deliver', 's3', ['deliver:ws:c3:none:0']],
      ['client.receive', 's3', ['arrive:ws:c3:check:0']],
    ]);
    expect(hops.every(({ segs }) => segs.every((s) => s.flow === flow))).toBe(true);
    const { layout } = hops[0];
    const channel = layout.nodes['channel:socket.io#/#'];
    const pattern = layout.nodes['pattern:socket.io#/#*'];
    // The PUBLISH enters the channel node, then Redis's match carries it to the pattern...
    const [pub, match] = hops[1].segs;
    expect(pub.curve.from).toEqual(layout.servers[0].pub);
    expect(pub.curve.to).toEqual(channel.anchor);
    expect(pub.label).toBe(`PUBLISH · ${(hops[1].e as { bytes: number }).bytes} B`);
    expect([match.curve.from, match.curve.to]).toEqual([channel.anchor, pattern.anchor]);
    expect(legsOf(hops[1].segs)).toBe(2);
    // ...whose subscribers each get a copy down their own sub line, their decision at its end.
    for (const i of [5, 6, 9]) {
      const { curve } = hops[i].segs[0];
      const server = layout.servers.find((s) => s.id === hops[i].e.server)!;
      expect([curve.from, curve.to]).toEqual([pattern.anchor, server.sub]);
    }
    // Redis's answer goes back up the pub line, and its receiver count stands at the channel.
    const reply = hops[4].segs[0];
    expect(reply).toMatchObject({ label: '3 receivers', labelAt: channel.countAt });
    expect(reply.curve.to).toEqual(layout.servers[0].pub);
  });

  it('an unknown room is marked where the server drops it', () => {
    const script = threeServers();
    const before = script.events.length;
    broadcast(script, 'c2', 'blue');
    const hops = mapped(script.events, before);
    const publish = hops.find(({ e }) => e.kind === 'publish')!;
    // A room broadcast lands on the room's channel, which the same pattern matches.
    expect(publish.segs[0].curve.to).toEqual(
      publish.layout.nodes['channel:socket.io#/#blue#'].anchor,
    );
    const marks = hops
      .filter(({ e }) => e.kind === 'receive')
      .map(({ e, segs }) => [e.server, segs[0].mark]);
    expect(marks).toEqual([
      ['s1', 'room'],
      ['s2', 'own'],
      ['s3', 'room'],
    ]);
  });

  it('sharded: the SPUBLISH lands on the shard channel and leaves from it, with no pattern', () => {
    const t = new LabScript()
      .sharded('dynamic')
      .serverUp('s1')
      .serverUp('s2')
      .connect('c1', 's1', ['blue'])
      .connect('c2', 's2', ['blue']);
    const before = t.events.length;
    broadcast(t, 'c1', 'blue');
    const hops = mapped(t.events, before);
    const publish = hops.find((h) => h.e.kind === 'publish')!;
    const room = publish.layout.nodes['shard:socket.io#/#blue#'];
    expect(publish.segs.map((s) => [s.kind, s.curve.to, s.label])).toEqual([
      ['publish', room.anchor, `SPUBLISH · ${(publish.e as { bytes: number }).bytes} B`],
    ]);
    const receipts = hops.filter((h) => h.e.kind === 'receive');
    expect(receipts.map((h) => h.e.server)).toEqual(['s1', 's2']);
    for (const { e, segs, layout } of receipts) {
      const server = layout.servers.find((s) => s.id === e.server)!;
      expect([segs[0].curve.from, segs[0].curve.to]).toEqual([room.anchor, server.sub]);
    }
  });

  it('a stopped server: the message stops halfway on its dotted sub line with a cross', () => {
    const script = threeServers().serverDown('s2');
    const before = script.events.length;
    broadcast(script, 'c1');
    const result = mapped(script.events, before).find(({ e }) => e.kind === 'publish.result')!;
    const lost = result.segs.filter((s) => s.kind === 'lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ edge: 'sub:s2', stopAt: 0.5, mark: 'cross' });
  });

  it.each([
    ['cut', { stopAt: 0.5, mark: 'cross' }],
    ['frozen', { stopAt: 0.8 }],
    ['slow', { stopAt: 0.8 }],
  ] as const)('a %s link: the copy for s2 stops on its sub line', (link, end) => {
    const script = threeServers();
    script.emit({ kind: 'server.link', server: 's2', link, step: 4 }, 'hub');
    const before = script.events.length;
    broadcast(script, 'c3');
    const result = mapped(script.events, before).find(({ e }) => e.kind === 'publish.result')!;
    const lost = result.segs.filter((s) => s.kind === 'lost');
    expect(lost).toEqual([expect.objectContaining({ edge: 'sub:s2', ...end })]);
    // Frozen or slow, it waits short of the server, with no cross: it may still arrive.
    expect(lost[0].mark).toBe(link === 'cut' ? 'cross' : 'none');
  });

  it('a frozen origin: its PUBLISH stops on the pub line; a slow one still publishes', () => {
    for (const [link, stopped] of [
      ['frozen', true],
      ['slow', false],
    ] as const) {
      const script = threeServers();
      script.emit({ kind: 'server.link', server: 's1', link, step: 4 }, 'hub');
      const before = script.events.length;
      broadcast(script, 'c1');
      const publish = mapped(script.events, before).find(({ e }) => e.kind === 'publish')!;
      expect(publish.segs[0].mark === 'cross', link).toBe(stopped);
    }
  });

  it('Redis down: the PUBLISH stops on the pub line with a cross', () => {
    const script = threeServers().redis(false);
    const before = script.events.length;
    broadcast(script, 'c1');
    const hops = mapped(script.events, before);
    const publish = hops.find(({ e }) => e.kind === 'publish')!;
    expect(publish.segs).toEqual([
      expect.objectContaining({ kind: 'publish', edge: 'pub:s1', stopAt: 0.6, mark: 'cross' }),
    ]);
    // Redis's refusal adds nothing: the PUBLISH already stopped where it was lost.
    expect(hops.find(({ e }) => e.kind === 'publish.result')!.segs).toEqual([]);
  });

  it('folded clients: deliveries go to the group once', () => {
    const script = new LabScript().serverUp('s1').serverUp('s2');
    for (let i = 1; i <= 12; i++) script.connect(`c${i}`, 's1');
    script.connect('x1', 's2');
    const before = script.events.length;
    broadcast(script, 'x1');
    const deliver = mapped(script.events, before).find(
      ({ e }) => e.kind === 'deliver' && e.server === 's1',
    )!;
    expect(deliver.segs.map((s) => s.edge)).toEqual(['ws:group:s1']);
  });

  it.each([
    ['counters', false],
    ['monitor.mode', false],
    ['publish', true],
  ])('%s is a hop: %s', (kind, want) => {
    expect(isHop({ kind } as LabEvent)).toBe(want);
  });
});
