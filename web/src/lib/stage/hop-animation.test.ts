import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { LabScript } from '../../../../trace/lab-script.ts';
import { broadcast } from '../../../../trace/lab-traffic.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { hopSegments, isHop } from './hop-animation.ts';
import { layoutStage } from './stage-layout.ts';
import { stageModel } from './stage-model.ts';

function lab() {
  const script = new LabScript()
    .serverUp('s1')
    .serverUp('s2')
    .serverUp('s3')
    .connect('c1', 's1')
    .connect('c2', 's2', ['blue'])
    .connect('c3', 's3');
  return script;
}

function mapped(script: LabScript, flowEvents: LabEvent[]) {
  const state = reduceAll(script.events);
  const model = stageModel(state, null, false);
  const layout = layoutStage({
    width: 1000,
    height: 600,
    servers: model.servers,
    clients: model.clients,
  });
  return flowEvents.map((e) => ({ e, segs: hopSegments(e, layout, state), layout }));
}

describe('hopSegments', () => {
  it('maps a broadcast hop by hop: frame, PUBLISH on pub, fan-out on sub with decisions, deliveries', () => {
    const script = lab();
    const before = script.events.length;
    const flow = broadcast(script, 'c1')!;
    const hops = mapped(script, script.events.slice(before));
    const kinds = hops.map(({ e, segs }) => [
      e.kind,
      e.server,
      segs.map((s) => `${s.kind}:${s.edge}:${s.mark}`),
    ]);
    expect(kinds).toEqual([
      ['client.emit', 's1', ['frame:ws:c1:none']],
      ['publish', 's1', ['publish:pub:s1:none']],
      ['deliver', 's1', ['deliver:ws:c1:none']],
      ['client.receive', 's1', ['arrive:ws:c1:check']],
      ['publish.result', 's1', ['reply:pub:s1:none']],
      ['receive', 's1', ['fanout:sub:s1:own']],
      ['receive', 's2', ['fanout:sub:s2:check']],
      ['deliver', 's2', ['deliver:ws:c2:none']],
      ['client.receive', 's2', ['arrive:ws:c2:check']],
      ['receive', 's3', ['fanout:sub:s3:check']],
      ['deliver', 's3', ['deliver:ws:c3:none']],
      ['client.receive', 's3', ['arrive:ws:c3:check']],
    ]);
    expect(hops.every(({ segs }) => segs.every((s) => s.flow === flow))).toBe(true);
    // Redis's answer carries how many subscribed connections got it.
    expect(hops[4].segs[0].label).toBe('3 receivers');
    // The PUBLISH goes from the server's pub end to Redis; the fan-out from Redis to the sub end.
    const [, publish] = hops;
    const s1 = publish.layout.servers[0];
    expect(publish.segs[0].from).toEqual(s1.pub);
    expect(publish.segs[0].to).toEqual(s1.redisPub);
    const fanout = hops[6].segs[0];
    expect(fanout.to).toEqual(publish.layout.servers[1].sub);
  });

  it('an unknown room is marked where the server drops it', () => {
    const script = lab();
    const before = script.events.length;
    broadcast(script, 'c2', 'blue');
    const marks = mapped(script, script.events.slice(before))
      .filter(({ e }) => e.kind === 'receive')
      .map(({ e, segs }) => [e.server, segs[0].mark]);
    expect(marks).toEqual([
      ['s1', 'room'],
      ['s2', 'own'],
      ['s3', 'room'],
    ]);
  });

  it('a stopped server: the message stops halfway on its sub line with a cross', () => {
    const script = lab().serverDown('s2');
    const before = script.events.length;
    broadcast(script, 'c1');
    const result = mapped(script, script.events.slice(before)).find(
      ({ e }) => e.kind === 'publish.result',
    )!;
    const lost = result.segs.filter((s) => s.kind === 'lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ edge: 'sub:s2', stopAt: 0.5, mark: 'cross' });
  });

  it('Redis down: the PUBLISH stops on the pub line with a cross', () => {
    const script = lab().redis(false);
    const before = script.events.length;
    broadcast(script, 'c1');
    const hops = mapped(script, script.events.slice(before));
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
    const deliver = mapped(script, script.events.slice(before)).find(
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
