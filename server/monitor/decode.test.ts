import { describe, expect, it } from 'vitest';
import { encode } from 'notepack.io';
import { decodeMessage, flowOf, flowTagOf, foreignOf, jsonSafe, labOfFlow } from './decode.ts';

describe('decodeMessage', () => {
  it('decodes a classic broadcast as [uid, packet, opts]', () => {
    const payload = encode([
      'abc123',
      { type: 2, data: ['chat message', 'hi'], nsp: '/' },
      { rooms: [], except: [], flags: {} },
    ]);
    expect(decodeMessage('classic', 'socket.io#/#', payload)).toMatchObject({
      format: 'msgpack',
      kind: 'broadcast',
      uid: 'abc123',
      event: 'chat message',
      value: [
        'abc123',
        { type: 2, data: ['chat message', 'hi'], nsp: '/' },
        { rooms: [], except: [], flags: {} },
      ],
    });
  });

  it.each([
    [
      'socket.io-request#/#',
      { uid: 'u1', requestId: 'r1', type: 5, opts: {} },
      'request',
      'REMOTE_FETCH',
    ],
    ['socket.io-request#/#', { uid: 'u1', type: 6, data: ['ping'] }, 'request', 'SERVER_SIDE_EMIT'],
    ['socket.io-response#/#', { requestId: 'r1', sockets: [] }, 'response', 'RESPONSE'],
  ])('decodes JSON on %s', (channel, value, kind, name) => {
    expect(decodeMessage('classic', channel, Buffer.from(JSON.stringify(value)))).toMatchObject({
      format: 'json',
      kind,
      name,
    });
  });

  it('decodes a sharded ClusterAdapter message', () => {
    const m = {
      uid: 'f00d',
      nsp: '/',
      type: 3,
      data: {
        packet: { type: 2, data: ['room message', 'quiz', 'q1'] },
        opts: { rooms: ['quiz'] },
      },
    };
    expect(
      decodeMessage('sharded', 'socket.io#/#quiz#', Buffer.from(JSON.stringify(m))),
    ).toMatchObject({
      kind: 'broadcast',
      name: 'BROADCAST',
      uid: 'f00d',
      event: 'room message',
    });
  });

  it('says unknown for bytes that are neither JSON nor msgpack', () => {
    expect(decodeMessage('classic', 'socket.io#/#', Buffer.from([0xc1]))).toMatchObject({
      format: 'unknown',
      kind: 'unknown',
    });
  });
});

describe('flows', () => {
  it('finds the lab tag in broadcast flags, in request JSON and in sharded opts', () => {
    expect(flowTagOf(['u', {}, { flags: { labFlow: 's1-7' } }])).toBe('s1-7');
    expect(flowTagOf({ uid: 'u', labFlow: 's2-1' })).toBe('s2-1');
    expect(flowTagOf({ data: { opts: { flags: { labFlow: 's3-2' } } } })).toBe('s3-2');
    expect(flowTagOf(['u', {}, { flags: {} }])).toBeUndefined();
  });

  it('gives untagged messages the same hash flow on every receiver, and different messages different ones', () => {
    const a = encode(['emitter', { type: 2, data: ['news'] }, { rooms: [] }]);
    expect(flowOf(Buffer.from(a))).toBe(flowOf(Buffer.from(a)));
    expect(flowOf(Buffer.from(a))).toMatch(/^h-[0-9a-f]{8}$/);
    expect(
      flowOf(Buffer.from(encode(['emitter', { type: 2, data: ['other'] }, { rooms: [] }]))),
    ).not.toBe(flowOf(Buffer.from(a)));
  });
});

describe('who published it', () => {
  it.each([
    ['our own flow', ['u', {}, { flags: { labFlow: 's1-7@k3f9' } }], {}],
    [
      'another lab',
      ['u', {}, { flags: { labFlow: 's1-7@b7c2' } }],
      { foreign: 'other-lab', otherLab: 'b7c2' },
    ],
    ["our answer to another lab's flow", { labFlow: 's1-7@b7c2', labFrom: 'k3f9' }, {}],
    [
      "another lab's answer to our flow",
      { labFlow: 's1-7@k3f9', labFrom: 'b7c2' },
      { foreign: 'other-lab', otherLab: 'b7c2' },
    ],
    ['no tag at all', ['forger', {}, {}], { foreign: 'outside' }],
    [
      'a tag that is not a flow id',
      ['x', {}, { flags: { labFlow: 'x'.repeat(500) } }],
      { foreign: 'outside' },
    ],
    ['nothing decodable', null, { foreign: 'outside' }],
  ])('%s', (_what, value, publisher) => {
    expect(foreignOf(value, 'k3f9')).toEqual(publisher);
  });

  it('reads the lab from a flow id', () => {
    expect(labOfFlow('s1-7@k3f9')).toBe('k3f9');
    expect(labOfFlow('h-0011aabb')).toBeUndefined();
  });

  it('describes hostile values as what they claim, and nothing from prototypes', () => {
    const m = decodeMessage(
      'classic',
      'socket.io-request#/#',
      Buffer.from('{"type":"__proto__","uid":5}'),
    );
    expect(m).toMatchObject({ format: 'json', kind: 'request', name: undefined, uid: undefined });
    const b = decodeMessage('classic', 'socket.io#/#', Buffer.from(encode([7, 'packet', null])));
    expect(b).toMatchObject({ kind: 'broadcast', uid: undefined, event: undefined });
    expect(
      decodeMessage('sharded', 'socket.io#/#', Buffer.from('{"type":"constructor"}')).name,
    ).toBeUndefined();
  });
});

describe('jsonSafe', () => {
  it('turns bytes into hex and caps long strings', () => {
    expect(jsonSafe({ b: Buffer.from([1, 2]), s: 'x'.repeat(600) })).toEqual({
      b: { $bytes: '0102', length: 2 },
      s: `${'x'.repeat(500)}…`,
    });
  });
});
