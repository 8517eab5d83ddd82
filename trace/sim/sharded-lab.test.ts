/**
 * LabScript's sharded mode against a real lab. The expectations below were recorded from a real
 * lab (startLab with `adapter: 'sharded'`, two servers on the embedded broker, lab clients c1 on
 * s1 and c2 on s2; c2 joins `quiz`; c1 broadcasts to all, c1 then c2 to `quiz`) and reduced to
 * what does not vary from run to run: uids, socket ids and flow ids become names, and the
 * interleaving of sources is left out (each list is sorted).
 *
 * What they show is @socket.io/redis-adapter's dist/sharded-adapter.js: the constructor's two
 * SSUBSCRIBEs, `create-room`'s SSUBSCRIBE of a room's channel in dynamic mode only,
 * `computeChannel` (a single room's own channel in dynamic mode, else `socket.io#/#`), the SPUBLISH
 * answered with the channel's subscriber count; and ClusterAdapter's onMessage (socket.io-adapter
 * dist/cluster-adapter.js): the sender's own message skipped by uid (`own-message`), any other
 * broadcast delivered, to no socket too in static mode, where a deliver to nobody goes unreported.
 */
import { describe, expect, it } from 'vitest';
import type { LabEvent, SubscriptionMode } from '../events.ts';
import { LabScript } from './lab-script.ts';
import { broadcast } from './lab-traffic.ts';

/** One line per event, of the fields that say what happened, with ids named. */
function project(events: LabEvent[], all: LabEvent[]): string[] {
  const names = new Map<string, string>();
  for (const e of all) {
    if (e.kind === 'adapter.attach' && e.uid) names.set(e.uid, `‹uid ${e.server}›`);
    if (e.kind === 'client.connect' && e.socketId) names.set(e.socketId, `‹${e.client}›`);
    if ('flow' in e && e.flow) names.set(e.flow, '‹flow›');
  }
  const named = (x: unknown) =>
    [...names].reduce((s, [id, name]) => s.split(id).join(name), JSON.stringify(x));
  const fields = (e: LabEvent): unknown[] | undefined => {
    switch (e.kind) {
      case 'server.up':
        return [e.adapter, e.subscriptionMode];
      case 'redis.connect':
        return [e.role];
      case 'redis.command':
        return [e.command, e.args, e.reply];
      case 'adapter.attach':
        // A real lab reports it twice, created (step 6) and attached (step 7); the script the attach.
        return e.step === 6 ? undefined : [e.subscriptionMode, e.uid, e.channels];
      case 'client.connect':
        return [e.client];
      case 'room.join':
        return [e.socketId, e.room];
      case 'client.emit':
        return [e.client, e.event, e.args];
      case 'publish': {
        // The bytes are the JSON of the message (the adapter's encode()).
        const value = e.message?.value;
        return [
          e.command,
          e.channel,
          e.bytes === JSON.stringify(value).length,
          e.message?.uid,
          value,
        ];
      }
      case 'publish.result':
        return [e.channel, e.receivers];
      case 'receive':
        return [e.channel, e.via, e.decision, e.sockets ?? null, e.message?.uid];
      case 'deliver':
        return [e.origin, e.rooms, e.sockets, e.count];
      case 'client.receive':
        return [e.client, e.args];
      default:
        return undefined;
    }
  };
  return events
    .flatMap((e) => {
      const f = fields(e);
      return f ? [named([e.kind, e.server, ...f]).slice(1, -1)] : [];
    })
    .sort();
}

function play(mode: SubscriptionMode) {
  const s = new LabScript().sharded(mode);
  const at = () => s.events.length;
  s.serverUp('s1').serverUp('s2').connect('c1', 's1').connect('c2', 's2');
  const joined = at();
  s.join('c2', 'quiz');
  const marks = [0, joined, at()];
  broadcast(s, 'c1');
  marks.push(at());
  broadcast(s, 'c1', 'quiz', 'room message', ['quiz', 'q1']);
  marks.push(at());
  broadcast(s, 'c2', 'quiz', 'room message', ['quiz', 'q2']);
  marks.push(at());
  const phase = (i: number) => project(s.events.slice(marks[i], marks[i + 1]), s.events);
  return {
    start: phase(0),
    join: phase(1),
    all: phase(2),
    fromOutside: phase(3),
    fromInside: phase(4),
  };
}

const start = (mode: SubscriptionMode) =>
  ['s1', 's2'].flatMap((s) => [
    `"adapter.attach","${s}","${mode}","‹uid ${s}›",["socket.io#/#","socket.io#/#‹uid ${s}›#"]`,
    `"redis.command","${s}","SSUBSCRIBE",["socket.io#/#"],1`,
    `"redis.command","${s}","SSUBSCRIBE",["socket.io#/#‹uid ${s}›#"],2`,
    `"redis.connect","${s}","pub"`,
    `"redis.connect","${s}","sub"`,
    `"server.up","${s}","sharded","${mode}"`,
  ]);
const connects = ['"client.connect","s1","c1"', '"client.connect","s2","c2"'];

/** The SPUBLISH of a broadcast from `server`'s adapter, as recorded. */
const publish = (server: string, channel: string, event: string, args: string[], rooms: string[]) =>
  `"publish","${server}","SPUBLISH","${channel}",true,"‹uid ${server}›",` +
  JSON.stringify({
    type: 3,
    data: {
      packet: { type: 2, data: [event, ...args] },
      opts: { rooms, except: [], flags: { labFlow: '‹flow›' } },
    },
    uid: `‹uid ${server}›`,
    nsp: '/',
  });

const recorded = (mode: SubscriptionMode) => {
  const dynamic = mode === 'dynamic';
  const room = dynamic ? 'socket.io#/#quiz#' : 'socket.io#/#';
  const q1 = ['quiz', 'q1'];
  const q2 = ['quiz', 'q2'];
  return {
    start: [...start(mode), ...connects].sort(),
    join: [
      ...(dynamic ? ['"redis.command","s2","SSUBSCRIBE",["socket.io#/#quiz#"],3'] : []),
      '"room.join","s2","‹c2›","quiz"',
    ],
    all: [
      '"client.emit","s1","c1","chat message",["hi"]',
      '"client.receive","s1","c1",["hi"]',
      '"client.receive","s2","c2",["hi"]',
      '"deliver","s1","local",[],["‹c1›"],1',
      '"deliver","s2","remote",[],["‹c2›"],1',
      publish('s1', 'socket.io#/#', 'chat message', ['hi'], []),
      '"publish.result","s1","socket.io#/#",2',
      '"receive","s1","socket.io#/#","smessage","own-message",null,"‹uid s1›"',
      '"receive","s2","socket.io#/#","smessage","delivered",1,"‹uid s1›"',
    ],
    // s1 has no member of quiz: in dynamic mode it holds no subscription to the room's channel.
    fromOutside: [
      `"client.emit","s1","c1","room message",${JSON.stringify(q1)}`,
      `"client.receive","s2","c2",${JSON.stringify(q1)}`,
      '"deliver","s2","remote",["quiz"],["‹c2›"],1',
      publish('s1', room, 'room message', q1, ['quiz']),
      `"publish.result","s1","${room}",${dynamic ? 1 : 2}`,
      ...(dynamic ? [] : [`"receive","s1","${room}","smessage","own-message",null,"‹uid s1›"`]),
      `"receive","s2","${room}","smessage","delivered",1,"‹uid s1›"`,
    ],
    // s2 sends to its own room: it hears its own SPUBLISH; static mode wakes s1 for nobody.
    fromInside: [
      `"client.emit","s2","c2","room message",${JSON.stringify(q2)}`,
      `"client.receive","s2","c2",${JSON.stringify(q2)}`,
      '"deliver","s2","local",["quiz"],["‹c2›"],1',
      publish('s2', room, 'room message', q2, ['quiz']),
      `"publish.result","s2","${room}",${dynamic ? 1 : 2}`,
      ...(dynamic ? [] : [`"receive","s1","${room}","smessage","delivered",0,"‹uid s2›"`]),
      `"receive","s2","${room}","smessage","own-message",null,"‹uid s2›"`,
    ],
  };
};

describe.each(['dynamic', 'static'] as const)('LabScript, sharded adapter, %s mode', (mode) => {
  const played = play(mode);
  const expected = recorded(mode);
  it.each(Object.keys(expected) as (keyof typeof expected)[])(
    'writes what a real lab wrote: %s',
    (phase) => expect(played[phase]).toEqual(expected[phase].sort()),
  );
});

describe('LabScript, sharded adapter, dynamic mode', () => {
  it("SUNSUBSCRIBEs a room's channel when its last member on the server leaves (delete-room)", () => {
    const s = new LabScript().sharded().serverUp('s1').connect('a', 's1').connect('b', 's1');
    s.join('a', 'quiz').join('b', 'quiz');
    const commands = () =>
      s.events.flatMap((e) => (e.kind === 'redis.command' ? [`${e.command} ${e.args[0]}`] : []));
    expect(commands().slice(2)).toEqual(['SSUBSCRIBE socket.io#/#quiz#']);
    s.join('a', 'quiz', true);
    expect(commands().slice(3)).toEqual([]);
    s.join('b', 'quiz', true);
    expect(commands().slice(3)).toEqual(['SUNSUBSCRIBE socket.io#/#quiz#']);
  });

  it('leaves fetchSockets and serverSideEmit to the classic adapter, and says so', async () => {
    const { fetchSockets } = await import('./lab-traffic.ts');
    const s = new LabScript().sharded().serverUp('s1');
    expect(() => fetchSockets(s, 's1')).toThrow(/classic adapter only/);
  });
});
