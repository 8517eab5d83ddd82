import { describe, expect, it } from 'vitest';
import type { AdapterKind, LabEvent } from '../../../../trace/events.ts';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { stageModel } from '../stage/stage-model.ts';
import { stageOf, threeServers } from '../stage/stage-fixture.ts';
import { SCENES, sourceNode, targetNode } from './scenes.ts';

const nodes = (events: LabScript | LabEvent[], plumbing = false) =>
  stageOf(events, { plumbing }).model.scene.nodes;
const row = (n: ReturnType<typeof nodes>[number]) => [n.kind, n.label, n.subscribers.join(',')];

describe('the classic adapter in Redis', () => {
  it('is its broadcast channel, the pattern that matches it, and the request and response channels', () => {
    const scene = stageOf(threeServers()).model.scene;
    expect(scene.publish).toBe('PUBLISH');
    expect(scene.nodes.map(row)).toEqual([
      ['channel', 'socket.io#/#', ''],
      ['pattern', 'socket.io#/#*', 's1,s2,s3'],
      ['channel', 'socket.io#/#blue#', ''],
      ['channel', 'socket.io-request#/#', 's1,s2,s3'],
      ['channel', 'socket.io-response#/# +3', 's1,s2,s3'],
    ]);
    const [broadcast, pattern, room] = scene.nodes;
    // PUBLISH lands on the channels, which the pattern matches: Redis hands it on from there.
    expect(broadcast).toMatchObject({ target: true, matchedBy: pattern.id });
    expect(room).toMatchObject({ target: true, matchedBy: pattern.id });
    expect(pattern.caption).toBe('pattern · 3 subscribers');
    // Every subscriber here was seen subscribing: none is drawn from the mode's guess.
    expect(scene.nodes.flatMap((n) => n.assumed)).toEqual([]);
    // Each server's own response channel is folded into the shared one.
    expect(scene.nodes[4].names).toEqual([
      'socket.io-response#/#',
      'socket.io-response#/#s1u1xx#',
      'socket.io-response#/#s2u1xx#',
      'socket.io-response#/#s3u1xx#',
    ]);
  });

  it('a server that stops leaves every subscription; one that comes back is on them again', () => {
    const s = threeServers().serverDown('s2');
    expect(nodes(s)[1].subscribers).toEqual(['s1', 's3']);
    expect(nodes(s.serverUp('s2'))[1].subscribers).toEqual(['s1', 's2', 's3']);
  });

  it('a subscriber that is not a server is counted apart (it inflates NUMSUB)', () => {
    const s = threeServers();
    s.emit({
      kind: 'redis.command',
      server: 'hub',
      role: 'sub',
      command: 'SUBSCRIBE',
      args: ['socket.io-request#/#'],
    });
    const request = nodes(s).find((n) => n.role === 'request')!;
    expect(request.subscribers).toEqual(['s1', 's2', 's3']);
    expect(request.others).toEqual(['hub:sub']);
    expect(request.caption).toBe('requests · 4 subscribers, 1 not a server');
  });

  it('more than three room channels fold into one node that stands for the rest', () => {
    const s = threeServers();
    for (const room of ['a', 'b', 'c', 'd', 'e']) s.join('c1', room);
    const rooms = nodes(s).filter((n) => n.role === 'room');
    expect(rooms.map((n) => n.label)).toEqual([
      'socket.io#/#a#',
      'socket.io#/#b#',
      'socket.io#/#blue#',
      '+3 room channels',
    ]);
    expect(rooms[3].names).toEqual(['socket.io#/#c#', 'socket.io#/#d#', 'socket.io#/#e#']);
  });

  it('a server whose subscriptions the page never saw is drawn on its mode, marked assumed', () => {
    const events = threeServers().events.filter(
      (e) => !(e.kind === 'redis.command' && e.server === 's3'),
    );
    const pattern = nodes(events).find((n) => n.kind === 'pattern')!;
    expect(pattern.subscribers).toEqual(['s1', 's2', 's3']);
    expect(pattern.assumed).toEqual(['s3']);
  });

  it("the lab's monitor channel shows only when plumbing is asked for", () => {
    const s = threeServers();
    s.emit({
      kind: 'redis.command',
      server: 'hub',
      role: 'monitor-sub',
      command: 'SUBSCRIBE',
      args: ['lab:monitor'],
    });
    // connectionName() names an unreported connection `<server>:<role>`.
    expect(nodes(s).some((n) => n.name === 'lab:monitor')).toBe(false);
    const monitor = nodes(s, true).find((n) => n.name === 'lab:monitor')!;
    expect(monitor).toMatchObject({ role: 'monitor', plumbing: true });
  });

  it('the lab names its monitor channel: shown with the plumbing even when no SUBSCRIBE was seen', () => {
    const lab = { monitor: { enabled: true, channel: 'lab:monitor:7' } } as LabInfo;
    const s = threeServers();
    const with_ = (plumbing: boolean) =>
      stageModel(reduceAll(s.events), lab, false, { plumbing }).scene.nodes.map((n) => n.name);
    expect(with_(false)).not.toContain('lab:monitor:7');
    expect(with_(true).at(-1)).toBe('lab:monitor:7');
  });

  it('finds where a PUBLISH lands and where a copy leaves Redis', () => {
    const scene = stageOf(threeServers()).model.scene;
    expect(targetNode(scene, 'socket.io#/#blue#')?.label).toBe('socket.io#/#blue#');
    expect(sourceNode(scene, 'socket.io#/#', 'socket.io#/#*')?.kind).toBe('pattern');
    expect(sourceNode(scene, 'socket.io-response#/#s2u1xx#')?.role).toBe('response');
  });
});

describe('the sharded adapter in Redis', () => {
  const lab = () =>
    new LabScript()
      .sharded('dynamic')
      .serverUp('s1')
      .serverUp('s2')
      .connect('c1', 's1')
      .join('c1', 'blue');

  it('is shard channels only: SPUBLISH lands on them and leaves to their subscribers', () => {
    const scene = stageOf(lab().events).model.scene;
    expect(scene.publish).toBe('SPUBLISH');
    expect(scene.nodes.some((n) => n.kind === 'pattern')).toBe(false);
    expect(scene.nodes.map(row)).toEqual([
      ['shard', 'socket.io#/#', 's1,s2'],
      ['shard', 'socket.io#/#blue#', 's1'],
      ['shard', 'socket.io#/#‹uid›# ×2', 's1,s2'],
    ]);
    expect(scene.nodes[0].caption).toBe('shard channel · SPUBLISH target · SSUBSCRIBEd by 2');
  });

  it("a room's channel appears with its room and goes with it (dynamic mode)", () => {
    const gone = lab().join('c1', 'blue', true);
    expect(nodes(gone.events).map((n) => n.label)).not.toContain('socket.io#/#blue#');
  });

  it('static mode subscribes no room channel', () => {
    const s = new LabScript()
      .sharded('static')
      .serverUp('s1')
      .connect('c1', 's1')
      .join('c1', 'red');
    expect(nodes(s.events).map((n) => n.label)).toEqual(['socket.io#/#', 'socket.io#/#‹uid›# ×1']);
  });
});

describe('no adapter', () => {
  it('keeps nothing in Redis, and says why', () => {
    const s = new LabScript();
    s.emit({ kind: 'server.up', server: 's1', port: 4001, adapter: 'none' });
    const scene = stageOf(s).model.scene;
    expect(scene.nodes).toEqual([]);
    expect(scene.publish).toBeNull();
    expect(scene.note).toMatch(/No adapter/);
  });
});

it('every adapter mode has a description', () => {
  const modes: AdapterKind[] = ['redis', 'sharded', 'none'];
  for (const m of modes) expect(SCENES[m].adapter).toBe(m);
});
