import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import type { LabState } from '../../../../trace/state.ts';
import { narrate, previewArgs, shortId } from './narration.ts';

const base = { seq: 1, t: 0, server: 's1', step: 8 } as const;

describe('narrate', () => {
  const cases: [string, LabEvent, RegExp[]][] = [
    [
      'a client emit names client, socket, event, server and bytes',
      {
        ...base,
        kind: 'client.emit',
        socketId: 'abcdefghijklmnopqrst',
        client: 'c1',
        event: 'chat message',
        args: ['hi'],
        bytes: 24,
      },
      [/c1 \(socket abcdef…\)/, /"chat message"/, /"hi"/, /to s1/, /24 bytes/],
    ],
    [
      'a publish names the channel and bytes',
      {
        ...base,
        kind: 'publish',
        command: 'PUBLISH',
        channel: 'socket.io#/#',
        bytes: 58,
        pubId: 1,
        message: { format: 'msgpack', kind: 'broadcast', value: [] },
      },
      [/s1's pub connection sent PUBLISH socket\.io#\/# with 58 bytes/, /\[uid, packet, opts\]/],
    ],
    [
      'Redis reports receivers',
      {
        ...base,
        step: 9,
        kind: 'publish.result',
        pubId: 1,
        channel: 'socket.io#/#',
        receivers: 3,
        ms: 0.4,
      },
      [/3 receivers/, /0\.4 ms/],
    ],
    [
      'a cluster report counts the bus messages since the last one',
      {
        ...base,
        server: 'hub',
        kind: 'cluster.nodes',
        nodes: [],
        busSent: { publish: 2, shard: 0 },
      },
      [/sent 2 bus messages for PUBLISH and 0 for SPUBLISH since their last report/],
    ],
    [
      'a cluster report with nothing on the bus says it is quiet',
      {
        ...base,
        server: 'hub',
        kind: 'cluster.nodes',
        nodes: [],
        busSent: { publish: 0, shard: 0 },
      },
      [/bus quiet/, /^(?!.*sent 0)/],
    ],
    [
      'a failed publish is lost',
      {
        ...base,
        step: 9,
        kind: 'publish.result',
        pubId: 1,
        channel: 'socket.io#/#',
        error: 'Connection is closed.',
        ms: 1,
      },
      [/did not take/, /lost/],
    ],
    [
      'a delivered receipt counts local sockets',
      {
        ...base,
        server: 's2',
        step: 9,
        kind: 'receive',
        channel: 'socket.io#/#',
        pattern: 'socket.io#/#*',
        via: 'pmessage',
        bytes: 40,
        decision: 'delivered',
        sockets: 4,
      },
      [/s2's sub connection got socket\.io#\/# through socket\.io#\/#\*/, /4 local sockets/],
    ],
    [
      'its own message is dropped by uid',
      {
        ...base,
        step: 9,
        kind: 'receive',
        channel: 'socket.io#/#',
        via: 'pmessage',
        bytes: 40,
        decision: 'own-message',
        message: { format: 'msgpack', kind: 'broadcast', uid: 'Ab12Cd', value: [] },
      },
      [/uid Ab12Cd is s1's own/, /drops it/],
    ],
    [
      'an unknown room is dropped unread',
      {
        ...base,
        step: 9,
        kind: 'receive',
        channel: 'socket.io#/#blue#',
        via: 'pmessage',
        bytes: 40,
        decision: 'unknown-room',
      },
      [/no socket in room blue/],
    ],
    [
      'bytes that crash a plain server say so, and that this one keeps serving',
      {
        ...base,
        step: 9,
        kind: 'receive',
        channel: 'socket.io#/#',
        via: 'pmessage',
        bytes: 2,
        decision: 'undecodable',
        reason: 'Error: 1 trailing bytes',
        fatal: true,
        foreign: 'outside',
      },
      [
        /does not decode \(Error: 1 trailing bytes\)/,
        /plain server .* would crash here/,
        /s1 keeps serving/,
        /No server of this lab published it/,
      ],
    ],
    [
      'a request the adapter catches itself is dropped there too',
      {
        ...base,
        step: 9,
        kind: 'receive',
        channel: 'socket.io-request#/#',
        via: 'message',
        bytes: 2,
        decision: 'undecodable',
        reason: 'Error: 1 trailing bytes',
        fatal: false,
      },
      [/The real adapter drops it too/],
    ],
    [
      'a wrong shape says what the adapter could not read',
      {
        ...base,
        step: 9,
        kind: 'receive',
        channel: 'socket.io#/#',
        via: 'pmessage',
        bytes: 9,
        decision: 'malformed',
        reason: "TypeError: Cannot read properties of undefined (reading 'rooms')",
        fatal: true,
      },
      [/not to what the adapter reads \(TypeError/, /would crash here/],
    ],
    [
      "another lab's broadcast is named as that lab's",
      {
        ...base,
        step: 9,
        kind: 'deliver',
        origin: 'remote',
        event: 'chat message',
        rooms: [],
        except: [],
        sockets: ['aaaaaaaaaaaaaaaaaaaa'],
        count: 1,
        foreign: 'other-lab',
        otherLab: 'b7c2',
      },
      [/Another lab sharing this Redis \(b7c2\) published it/],
    ],
    [
      'a remote delivery lists socket ids',
      {
        ...base,
        step: 9,
        kind: 'deliver',
        origin: 'remote',
        event: 'chat message',
        rooms: [],
        except: [],
        sockets: [
          'aaaaaaaaaaaaaaaaaaaa',
          'bbbbbbbbbbbbbbbbbbbb',
          'cccccccccccccccccccc',
          'dddddddddddddddddddd',
        ],
        count: 9,
      },
      [/9 sockets/, /aaaaaa…, bbbbbb…, cccccc… and 6 more/],
    ],
    [
      'a client receipt is step 10 wording',
      {
        ...base,
        step: 10,
        kind: 'client.receive',
        socketId: 'x',
        client: 'c4',
        event: 'chat message',
        args: ['<b>hi</b>'],
      },
      [/c4 \(socket x\) on s1 received "chat message"/, /<b>hi<\/b>/],
    ],
    [
      'a crash says how it differs from a stop',
      { ...base, step: 1, kind: 'server.down', reason: 'crash' },
      [/crashed/, /without a goodbye/],
    ],
    [
      'a cut says the server stays up with its clients',
      { ...base, step: 4, kind: 'server.link', link: 'cut' },
      [/s1 was cut off from Redis/, /keeps its clients/],
    ],
    [
      'a freeze says nothing closes',
      { ...base, step: 4, kind: 'server.link', link: 'frozen' },
      [/froze/, /nothing closes/],
    ],
    [
      'a heal says what a freeze kept arrives late',
      { ...base, step: 4, kind: 'server.link', link: 'open' },
      [/healed/, /arrives late/],
    ],
  ];
  it.each(cases)('%s', (_name, event, patterns) => {
    const text = narrate(event);
    for (const p of patterns) expect(text).toMatch(p);
  });
});

describe('a publish on a Redis Cluster', () => {
  const xadd: LabEvent = {
    ...base,
    kind: 'publish',
    command: 'XADD',
    channel: 'socket.io',
    bytes: 90,
    pubId: 1,
    node: '127.0.0.1:7002',
  };
  it('names the node an XADD went to, which holds the stream, with the key slot', () => {
    const state = {
      cluster: { nodes: [{ name: 'n2', address: '127.0.0.1:7002' }], readings: [] },
    } as unknown as LabState;
    expect(narrate(xadd, { state })).toMatch(
      /to n2 \(127\.0\.0\.1:7002\), the cluster node that owns the stream key's slot \(9972\) and holds the stream\.$/,
    );
    // Before the nodes' first report, by address alone.
    expect(narrate(xadd)).toMatch(/to 127\.0\.0\.1:7002, the cluster node that owns/);
    expect(narrate({ ...xadd, command: 'PUBLISH', channel: 'socket.io#/#' }, { state })).toMatch(
      /to the cluster node at n2 \(127\.0\.0\.1:7002\)\.$/,
    );
  });
});

describe('helpers', () => {
  it.each([
    ['abcdefghijklmnop', 'abcdef…'],
    ['short', 'short'],
    [undefined, '?'],
  ])('shortId(%s) = %s', (id, want) => expect(shortId(id)).toBe(want));

  it('previews arguments on one short line', () => {
    expect(previewArgs(['hi', { a: 1 }])).toBe('"hi", {"a":1}');
    expect(previewArgs(['x'.repeat(100)], 10)).toHaveLength(10);
  });
});
