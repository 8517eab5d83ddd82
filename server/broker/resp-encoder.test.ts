import { describe, expect, it } from 'vitest';
import {
  array,
  bulk,
  encodeCommand,
  encodeReply,
  error,
  int,
  NULL,
  push,
  simple,
  type Reply,
} from './resp-encoder.ts';
import { ReplyDecoder, type Frame } from './resp-reply-decoder.ts';

/** A reply, then its bytes in RESP2 and in RESP3, as Redis 7 writes them. */
const table: [string, Reply, string, string][] = [
  ['simple', simple('OK'), '+OK\r\n', '+OK\r\n'],
  ['simple with newline', simple('a\r\nb'), '+a  b\r\n', '+a  b\r\n'],
  ['error', error('ERR bad'), '-ERR bad\r\n', '-ERR bad\r\n'],
  ['error already dashed', error('-NOPROTO x'), '-NOPROTO x\r\n', '-NOPROTO x\r\n'],
  ['int', int(-3), ':-3\r\n', ':-3\r\n'],
  ['bulk utf8', bulk('é'), '$2\r\né\r\n', '$2\r\né\r\n'],
  ['null', NULL, '$-1\r\n', '_\r\n'],
  ['null array', { t: 'nullArray' }, '*-1\r\n', '_\r\n'],
  ['empty array', array([]), '*0\r\n', '*0\r\n'],
  [
    'push',
    push([bulk('message'), bulk('c'), bulk('m')]),
    '*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n',
    '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n',
  ],
  [
    'unsubscribe with no channel',
    push([bulk('unsubscribe'), NULL, int(0)]),
    '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n',
    '>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n',
  ],
  [
    'map',
    { t: 'map', v: [[bulk('a'), int(1)]] },
    '*2\r\n$1\r\na\r\n:1\r\n',
    '%1\r\n$1\r\na\r\n:1\r\n',
  ],
  ['set', { t: 'set', v: [simple('fast')] }, '*1\r\n+fast\r\n', '~1\r\n+fast\r\n'],
  ['verbatim', { t: 'verbatim', v: 'x\n' }, '$2\r\nx\n\r\n', '=6\r\ntxt:x\n\r\n'],
];

describe('encodeReply', () => {
  it.each(table)('%s', (_name, reply, resp2, resp3) => {
    expect(encodeReply(reply, 2).toString('utf8')).toBe(resp2);
    expect(encodeReply(reply, 3).toString('utf8')).toBe(resp3);
  });

  it('writes Buffers byte for byte', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x0d]);
    expect(encodeReply(bulk(bytes), 2)).toEqual(
      Buffer.concat([Buffer.from('$3\r\n'), bytes, Buffer.from('\r\n')]),
    );
  });

  it('encodes commands as arrays of bulk strings', () => {
    expect(encodeCommand(['PING', 'x']).toString()).toBe('*2\r\n$4\r\nPING\r\n$1\r\nx\r\n');
  });
});

describe('ReplyDecoder', () => {
  it('decodes what the encoder writes, in both protocols, across any split', () => {
    const expected: Frame[][] = [
      [
        {
          type: 'push',
          value: [
            { type: 'bulk', value: 'message' },
            { type: 'bulk', value: 'c' },
          ],
        },
        { type: 'null' },
        {
          type: 'map',
          value: [
            [
              { type: 'bulk', value: 'a' },
              { type: 'int', value: 1 },
            ],
          ],
        },
      ],
    ];
    const bytes = Buffer.concat([
      encodeReply(push([bulk('message'), bulk('c')]), 3),
      encodeReply(NULL, 3),
      encodeReply({ t: 'map', v: [[bulk('a'), int(1)]] }, 3),
    ]);
    for (let split = 1; split < bytes.length; split++) {
      const d = new ReplyDecoder();
      const frames = [...d.feed(bytes.subarray(0, split)), ...d.feed(bytes.subarray(split))];
      expect(frames).toEqual(expected[0]);
    }
  });

  it('keeps RESP2 nulls apart from empty values', () => {
    const frames = new ReplyDecoder().feed(Buffer.from('$-1\r\n*-1\r\n$0\r\n\r\n*0\r\n'));
    expect(frames).toEqual([
      { type: 'bulk', value: null },
      { type: 'array', value: null },
      { type: 'bulk', value: '' },
      { type: 'array', value: [] },
    ]);
  });

  it('rejects bytes that are not RESP', () => {
    expect(() => new ReplyDecoder().feed(Buffer.from('?x\r\n'))).toThrow(/not RESP/);
  });
});
