import { describe, expect, it } from 'vitest';
import { RequestParser, splitArgs, type ParseResult } from './resp-request-parser.ts';

/** Feeds `input` in one piece, or one byte at a time, and collects commands and the error. */
function parseAll(input: string | Buffer, opts: { bytewise?: boolean; maxBulkLen?: number } = {}) {
  const parser = new RequestParser({ maxBulkLen: opts.maxBulkLen });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const chunks = opts.bytewise ? [...bytes].map((b) => Buffer.from([b])) : [bytes];
  const commands: string[][] = [];
  let error: string | null = null;
  for (const chunk of chunks) {
    parser.feed(chunk);
    for (;;) {
      const r: ParseResult = parser.next();
      if (r.kind === 'incomplete') break;
      if (r.kind === 'error') {
        error = r.message;
        break;
      }
      commands.push(r.argv.map((a) => a.toString('latin1')));
    }
    if (error) break;
  }
  return { commands, error, pending: parser.pendingBytes };
}

/** Input, the commands it yields, and the protocol error Redis 7.0.15 replies (null: none). */
const cases: [string, string, string[][], string | null][] = [
  ['multibulk', '*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n', [['PING', 'hi']], null],
  ['two pipelined', '*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n', [['PING'], ['PING']], null],
  ['empty bulk', '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', [['ECHO', '']], null],
  [
    'binary bulk keeps CRLF inside',
    '*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n',
    [['ECHO', 'a\r\nb']],
    null,
  ],
  ['zero-length multibulk is skipped', '*0\r\n*1\r\n$4\r\nPING\r\n', [['PING']], null],
  ['negative multibulk is skipped', '*-1\r\nPING\r\n', [['PING']], null],
  ['bulk trailer is not checked', '*1\r\n$3\r\nPINGx\r\n', [['PIN']], null],
  ['inline', 'PING hello\r\n', [['PING', 'hello']], null],
  ['inline with bare LF', 'PING\n', [['PING']], null],
  ['empty inline lines are keepalives', '\r\n\r\nPING\r\n', [['PING']], null],
  ['inline double quotes and escapes', 'ECHO "a b\\n\\x41"\r\n', [['ECHO', 'a b\nA']], null],
  ['inline single quotes', "ECHO 'it\\'s'\r\n", [['ECHO', "it's"]], null],
  ['unbalanced quotes', 'PING "a\r\n', [], 'Protocol error: unbalanced quotes in request'],
  ['text after closing quote', 'PING "a"b\r\n', [], 'Protocol error: unbalanced quotes in request'],
  ['bad multibulk length', '*x\r\n', [], 'Protocol error: invalid multibulk length'],
  ['multibulk length with plus', '*+1\r\n', [], 'Protocol error: invalid multibulk length'],
  ['multibulk over INT_MAX', '*2147483648\r\n', [], 'Protocol error: invalid multibulk length'],
  ['bad bulk length', '*1\r\n$x\r\n', [], 'Protocol error: invalid bulk length'],
  ['negative bulk length', '*1\r\n$-1\r\n', [], 'Protocol error: invalid bulk length'],
  [
    'bulk over proto-max-bulk-len',
    '*1\r\n$600000000\r\n',
    [],
    'Protocol error: invalid bulk length',
  ],
  ['not a bulk', '*1\r\n:1\r\n', [], "Protocol error: expected '$', got ':'"],
  [
    'command before the error still runs',
    'PING\r\n*1\r\nfoo\r\n',
    [['PING']],
    "Protocol error: expected '$', got 'f'",
  ],
];

describe('RequestParser follows Redis processMultibulkBuffer / processInlineBuffer', () => {
  for (const bytewise of [false, true]) {
    describe(bytewise ? 'fed one byte at a time' : 'fed whole', () => {
      it.each(cases)('%s', (_name, input, commands, error) => {
        const result = parseAll(input, { bytewise });
        expect(result.commands).toEqual(commands);
        expect(result.error).toBe(error);
      });
    });
  }

  it('waits for the rest of a command instead of failing', () => {
    const result = parseAll('*2\r\n$4\r\nECHO\r\n$5\r\nhel');
    expect(result).toEqual({ commands: [], error: null, pending: 3 });
  });

  it('applies a configured maxBulkLen', () => {
    expect(parseAll('*1\r\n$11\r\nhello world\r\n', { maxBulkLen: 10 }).error).toBe(
      'Protocol error: invalid bulk length',
    );
    expect(parseAll('*1\r\n$10\r\nhelloworld\r\n', { maxBulkLen: 10 }).commands).toEqual([
      ['helloworld'],
    ]);
  });

  it('rejects an inline line over 64 KiB without a newline', () => {
    expect(parseAll('A'.repeat(64 * 1024 + 1)).error).toBe(
      'Protocol error: too big inline request',
    );
    expect(parseAll('*1\r\n$' + '1'.repeat(64 * 1024 + 1)).error).toBe(
      'Protocol error: too big bulk count string',
    );
  });

  it('caps sizes before AUTH, as Redis does for unauthenticated clients', () => {
    const parser = new RequestParser({ authRequired: () => true });
    parser.feed(Buffer.from('*11\r\n'));
    expect(parser.next()).toEqual({
      kind: 'error',
      message: 'Protocol error: unauthenticated multibulk length',
    });
  });

  it('stops for good after an error', () => {
    const parser = new RequestParser();
    parser.feed(Buffer.from('*x\r\n'));
    expect(parser.next().kind).toBe('error');
    parser.feed(Buffer.from('PING\r\n'));
    expect(parser.next().kind).toBe('incomplete');
  });
});

describe('splitArgs follows sdssplitargs', () => {
  const table: [string, string[] | null][] = [
    ['a b  c', ['a', 'b', 'c']],
    ['  lead and trail  ', ['lead', 'and', 'trail']],
    ['"\\x4g"', ['x4g']],
    ['"tab\\there"', ['tab\there']],
    ['ab"cd"', ['abcd']],
    ['""', ['']],
    ["'a\\nb'", ['a\\nb']],
    ['"open', null],
    ["'open", null],
    ['a\u0000b c', ['a']],
  ];
  it.each(table)('%j', (line, expected) => {
    const args = splitArgs(Buffer.from(line, 'latin1'));
    expect(args === null ? null : args.map((a) => a.toString('latin1'))).toEqual(expected);
  });
});

describe('RequestParser memory bound', () => {
  it('gives up, silently as Redis does, on a command holding more than the query buffer limit', () => {
    const parser = new RequestParser({ queryBufferLimit: 64 * 1024 });
    // Empty arguments count too: each costs a view even with no bytes.
    parser.feed(Buffer.from('*2000000000\r\n' + '$0\r\n\r\n'.repeat(900)));
    expect(parser.next().kind).toBe('incomplete');
    parser.feed(Buffer.from('$0\r\n\r\n'.repeat(200)));
    expect(parser.next()).toEqual({
      kind: 'error',
      message: 'query buffer limit reached',
      silent: true,
    });
  });
});
