import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ScriptRunner,
  type Step,
  type Transcript,
} from '../../server/broker/resp-script-runner.ts';
import { useDifferentialTargets } from './broker-differential-targets.ts';

/**
 * The same scripts run against the real redis-server and against the embedded broker, over
 * raw sockets; every reply and push must match, frame type included.
 */

const targets = useDifferentialTargets();

async function compare(steps: Step[], pipelined: boolean): Promise<Transcript> {
  const prefix = `diff-${randomBytes(4).toString('hex')}:`;
  const real = await new ScriptRunner(targets.redisPort, targets.redisHost, prefix, pipelined).run(
    steps,
  );
  const ours = await new ScriptRunner(targets.broker.port, '127.0.0.1', prefix, pipelined).run(
    steps,
  );
  expect(ours).toEqual(real);
  return real;
}

/** All frames of a transcript, flattened, for checks that the script did what it meant to. */
function allFrames(t: Transcript): string {
  return JSON.stringify(t.flatMap((e) => e.frames));
}

/** Scripts that work in both protocols; `hello` switches every connection first. */
function withProtocol(proto: 2 | 3, conns: string[], steps: Step[]): Step[] {
  if (proto === 2) return steps;
  return [...conns.map((on) => ({ on, send: ['HELLO 3'] })), ...steps];
}

interface Script {
  conns: string[];
  steps: Step[];
  /** Substrings the real Redis transcript must contain, so a script that tests nothing fails. */
  expect: string[];
  /** More substrings, for the RESP2 runs only (refusals RESP3 does not make). */
  expectResp2?: string[];
  /** Only meaningful in these protocols (RESP3 answers commands RESP2 refuses). */
  protos?: (2 | 3)[];
}

const scripts: Record<string, Script> = {
  'subscribe and unsubscribe': {
    conns: ['sub', 'pub'],
    steps: [
      { on: 'sub', send: ['SUBSCRIBE {p}a {p}b {p}a'] },
      { on: 'pub', send: ['PUBLISH {p}a hello', 'PUBLISH {p}nobody x'] },
      { on: 'sub', send: ['UNSUBSCRIBE {p}a {p}never'] },
      { on: 'pub', send: ['PUBLISH {p}a lost', 'PUBLISH {p}b "two words"'] },
      {
        on: 'sub',
        send: ['SUBSCRIBE {p}c', 'UNSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE'],
      },
      { on: 'sub', send: ['PING', 'PING x', 'ECHO back'] },
    ],
    expect: ['"message"', '"two words"', '"unsubscribe"'],
  },
  patterns: {
    conns: ['sub', 'pub'],
    steps: [
      { on: 'sub', send: ['PSUBSCRIBE {p}news.* {p}h?llo {p}h[ae]llo'] },
      {
        on: 'pub',
        send: ['PUBLISH {p}news.tech m1', 'PUBLISH {p}hello m2', 'PUBLISH {p}hxllo m3'],
      },
      { on: 'sub', send: ['SUBSCRIBE {p}news.tech'] },
      { on: 'pub', send: ['PUBLISH {p}news.tech m4'] },
      { on: 'sub', send: ['PUNSUBSCRIBE {p}h?llo {p}nope', 'PUNSUBSCRIBE', 'UNSUBSCRIBE'] },
      { on: 'pub', send: ['PUBLISH {p}hello gone'] },
    ],
    expect: ['"pmessage"', '"m4"'],
  },
  'sharded pub/sub': {
    conns: ['sub', 'pat', 'pub'],
    steps: [
      { on: 'sub', send: ['SSUBSCRIBE {p}s1 {p}s2', 'SUBSCRIBE {p}s1'] },
      { on: 'pat', send: ['PSUBSCRIBE {p}*'] },
      {
        on: 'pub',
        send: ['SPUBLISH {p}s1 shard-only', 'PUBLISH {p}s1 plain', 'SPUBLISH {p}none x'],
      },
      {
        on: 'pub',
        send: ['PUBSUB SHARDCHANNELS {p}*', 'PUBSUB SHARDNUMSUB {p}s1 {p}s2 {p}s3'],
        unordered: true,
      },
      { on: 'sub', send: ['SUNSUBSCRIBE {p}s1 {p}zz', 'UNSUBSCRIBE', 'SUNSUBSCRIBE'] },
      { on: 'pub', send: ['SPUBLISH {p}s2 late', 'PUBSUB SHARDCHANNELS {p}*'] },
    ],
    expect: ['"smessage"', '"shard-only"'],
  },
  'binary-safe names and large payloads': {
    conns: ['sub', 'pub'],
    steps: [
      { on: 'sub', send: ['SUBSCRIBE "{p}\\xff\\x00bin"', 'PSUBSCRIBE "{p}\\xff*"'] },
      {
        on: 'pub',
        send: [
          'PUBLISH "{p}\\xff\\x00bin" "\\x00\\r\\n\\xfe payload"',
          `PUBLISH "{p}\\xff-other" ${'L'.repeat(200_000)}`,
          'PUBSUB NUMSUB "{p}\\xff\\x00bin"',
        ],
      },
      { on: 'sub', send: ['UNSUBSCRIBE "{p}\\xff\\x00bin"', 'PUNSUBSCRIBE'] },
    ],
    expect: ['payload', 'LLLL'],
  },
  MONITOR: {
    conns: ['mon', 'a'],
    steps: [
      { on: 'mon', send: ['MONITOR', 'MONITOR'] },
      {
        on: 'a',
        send: [
          'PUBLISH {p}c "quote\\" and \\\\ \\n \\x01"',
          'SUBSCRIBE {p}c',
          'PING',
          'FOO refused',
          'PUBLISH {p}c refused-in-subscriber-mode',
          'UNSUBSCRIBE',
          'HELLO 2 AUTH default secret',
          'SELECT 0',
          'CLIENT SETNAME watched',
        ],
      },
    ],
    expect: ['T [0 ADDR] \\"PUBLISH\\"', '(redacted)'],
  },
  'PUBSUB CHANNELS, NUMSUB and NUMPAT': {
    conns: ['a', 'b', 'c', 'q'],
    steps: [
      { on: 'a', send: ['SUBSCRIBE {p}x {p}y {p}long-name'] },
      { on: 'b', send: ['SUBSCRIBE {p}x', 'PSUBSCRIBE {p}pat* {p}other*'] },
      { on: 'c', send: ['PSUBSCRIBE {p}pat*'] },
      {
        on: 'q',
        send: [
          'PUBSUB NUMSUB {p}x {p}y {p}z {p}x',
          'PUBSUB NUMSUB',
          'PUBSUB CHANNELS {p}*',
          'PUBSUB CHANNELS {p}?',
          'PUBSUB CHANNELS {p}[xy]',
          'PUBSUB CHANNELS {p}x {p}y',
          'PUBSUB FOO',
          'PUBSUB',
          'PUBSUB NUMPAT extra',
          'PUBSUB HELP',
        ],
        unordered: true,
      },
      { on: 'q', send: ['PUBSUB NUMPAT'], serverWide: true },
      { on: 'b', send: ['PUNSUBSCRIBE {p}pat*'] },
      { on: 'q', send: ['PUBSUB NUMPAT'], serverWide: true },
      { on: 'b', send: ['PUNSUBSCRIBE {p}other*'] },
      { on: 'q', send: ['PUBSUB NUMPAT'], serverWide: true },
      { on: 'q', send: ['PUBLISH {p}patx m'] },
    ],
    expect: ['"type":"int","value":2'],
  },
  'errors and connection commands': {
    conns: ['a'],
    steps: [
      {
        on: 'a',
        send: [
          'FOO',
          'FOO a b',
          `FOO ${'x'.repeat(100)} ${'y'.repeat(100)} z`,
          'foo "with space"',
          'PUBLISH',
          'PUBLISH a',
          'SUBSCRIBE',
          'PSUBSCRIBE',
          'SSUBSCRIBE',
          'SPUBLISH a',
          'ECHO',
          'ECHO a b',
          'PING a b',
          'SELECT',
          'SELECT x',
          'SELECT 0',
          'SELECT 99999',
          'HELLO 4',
          'HELLO x',
          'HELLO 2 FOO',
          'HELLO 2 AUTH a',
          'HELLO 2 SETNAME',
          'HELLO 2 SETNAME "a b"',
          'AUTH x',
          'AUTH a b',
          'AUTH a b c',
          'RESET x',
          'MONITOR x',
        ],
      },
      {
        on: 'a',
        send: [
          'CLIENT',
          'CLIENT FOO',
          'CLIENT SETNAME',
          'CLIENT SETNAME "a b"',
          'CLIENT GETNAME',
          'CLIENT SETNAME lab-name',
          'CLIENT GETNAME',
          'CLIENT SETNAME ""',
          'CLIENT GETNAME',
          'CLIENT GETNAME x',
          'CLIENT ID x',
          'CLIENT INFO x',
          'CLIENT KILL',
          'CLIENT KILL 1.2.3.4:5',
          'CLIENT KILL ID x',
          'CLIENT KILL ID 1 SKIPME',
          'CLIENT KILL ID 999999 SKIPME no',
          'CLIENT KILL USER nobody',
          'CLIENT KILL TYPE pubsub SKIPME maybe',
          'CLIENT LIST ID',
          'CLIENT LIST ID x',
          'CLIENT LIST FOO',
          'CLIENT LIST TYPE x',
          'COMMAND COUNT x',
          'HELLO 2 SETNAME via-hello',
          'CLIENT GETNAME',
          'HELLO',
        ],
      },
      { on: 'a', send: ['QUIT extra words', 'PING'], closes: true },
    ],
    expect: ["unknown command 'FOO'", 'via-hello'],
  },
  'subscriber mode': {
    conns: ['a', 'b'],
    steps: [
      { on: 'a', send: ['SUBSCRIBE {p}c'] },
      {
        on: 'a',
        send: [
          'PUBLISH {p}c y',
          'ECHO x',
          'CLIENT SETNAME n',
          'PUBSUB NUMSUB {p}c',
          'SELECT 0',
          'HELLO',
          'PING',
          'PING x',
          'FOO',
          'PSUBSCRIBE {p}p*',
          'SSUBSCRIBE {p}s',
        ],
      },
      { on: 'b', send: ['PUBLISH {p}c hi', 'SPUBLISH {p}s shard'] },
      { on: 'a', send: ['UNSUBSCRIBE', 'PUNSUBSCRIBE', 'PUBLISH {p}c after', 'SUNSUBSCRIBE'] },
      {
        on: 'a',
        send: ['PUBLISH {p}c free', 'SUBSCRIBE {p}c', 'RESET', 'PUBLISH {p}c reset', 'PING'],
      },
      { on: 'b', send: ['PUBSUB NUMSUB {p}c'] },
    ],
    expect: ['"hi"', '"shard"'],
    expectResp2: ["Can't execute 'publish'", "Can't execute 'hello'"],
  },
  'RESP2 subscriber mode refuses admin commands too': {
    conns: ['a'],
    protos: [2],
    steps: [
      {
        on: 'a',
        send: ['PSUBSCRIBE {p}*', 'CLIENT ID', 'INFO', 'COMMAND COUNT', 'HELLO 3', 'MONITOR'],
      },
      {
        on: 'a',
        send: ['PUNSUBSCRIBE', 'SSUBSCRIBE {p}s', 'ECHO shard-only-is-subscriber-mode-too'],
      },
    ],
    expect: ["Can't execute 'client|id'", "Can't execute 'hello'"],
  },
  'HELLO, names and RESET': {
    conns: ['a', 'b'],
    steps: [
      {
        on: 'a',
        send: ['HELLO 3 SETNAME first', 'CLIENT GETNAME', 'SUBSCRIBE {p}r', 'PSUBSCRIBE {p}r*'],
      },
      { on: 'b', send: ['PUBLISH {p}r both'] },
      { on: 'a', send: ['PUBLISH {p}r self', 'ECHO still-allowed', 'CLIENT SETNAME second'] },
      { on: 'a', send: ['RESET', 'CLIENT GETNAME', 'PUBSUB NUMSUB {p}r', 'PING'] },
      { on: 'a', send: ['PUBSUB NUMPAT'], serverWide: true },
      { on: 'b', send: ['PUBLISH {p}r nobody'] },
      { on: 'a', send: ['HELLO 2 SETNAME third', 'UNSUBSCRIBE'] },
    ],
    expect: ['"RESET"', '"first"', '"still-allowed"'],
  },
  'ACL users, channel permissions and NOPERM': {
    conns: ['adm', 'sub', 'srv', 'out', 'lim'],
    steps: [
      {
        on: 'adm',
        send: [
          'ACL SETUSER {p}srv on >pw ~* resetchannels &{p}sock#/#* &{p}sock-request#/#* +@all',
          'ACL SETUSER {p}out on >pw2 resetchannels +@all',
          'ACL SETUSER {p}lim on >pw3 allchannels -@all +publish +ping',
        ],
      },
      { on: 'sub', send: ['AUTH {p}srv pw', 'ACL WHOAMI', 'PSUBSCRIBE {p}sock#/#*'] },
      {
        on: 'out',
        send: [
          'AUTH {p}out pw2',
          'ACL WHOAMI',
          'PUBLISH {p}sock#/# forged',
          'SPUBLISH {p}sock#/# forged',
          'SUBSCRIBE {p}sock-request#/#',
          'PSUBSCRIBE {p}sock#/#*',
          'PUBSUB NUMSUB {p}sock-request#/#',
        ],
      },
      {
        on: 'srv',
        send: [
          'AUTH {p}srv pw',
          'PUBLISH {p}sock#/# allowed',
          'PUBLISH {p}sock#/#room# allowed-too',
          'PUBLISH {p}other refused',
          'PSUBSCRIBE {p}sock#*',
          'SUBSCRIBE {p}sock-request#/# {p}nope',
        ],
      },
      {
        on: 'lim',
        send: [
          'AUTH {p}lim pw3',
          'PUBLISH {p}x y',
          'ECHO x',
          'ACL WHOAMI',
          'SUBSCRIBE {p}x',
          'PING',
        ],
      },
      {
        on: 'out',
        send: [
          'AUTH {p}srv wrong',
          'AUTH {p}nobody x',
          'AUTH x',
          'HELLO 2 AUTH {p}srv pw',
          'ACL WHOAMI',
          'SSUBSCRIBE {p}sock#/#shard',
        ],
      },
      // The subscribers' user loses channels they listen on (`out` logged in as {p}srv with
      // HELLO, then subscribed to a shard channel): Redis drops both connections.
      {
        on: 'adm',
        send: ['ACL SETUSER {p}srv resetchannels &{p}sock-request#/#*'],
        kills: ['sub', 'out'],
      },
      {
        on: 'adm',
        send: [
          'ACL SETUSER {p}x bogus',
          'ACL SETUSER {p}x +nosuch',
          'ACL SETUSER {p}x +@nosuch',
          'ACL SETUSER {p}x #abc',
          'ACL SETUSER "{p}a b"',
          'ACL WHOAMI x',
          'ACL FOO',
          'ACL',
          'ACL DELUSER default',
          'ACL WHOAMI',
        ],
      },
      // Deleting users closes their connections.
      {
        on: 'adm',
        send: ['ACL DELUSER {p}srv {p}out {p}lim {p}x {p}never'],
        kills: ['srv', 'lim'],
      },
    ],
    expect: [
      'NOPERM this user has no permissions to access one of the channels used as arguments',
      "NOPERM this user has no permissions to run the 'echo' command",
      '"allowed-too"',
      'WRONGPASS',
      'Unknown command or category name in ACL',
    ],
  },
};

const protocolErrors: [string, string][] = [
  ['invalid multibulk length', '*x\r\n'],
  ['invalid bulk length', '*1\r\n$x\r\n'],
  ['negative bulk length', '*1\r\n$-1\r\n'],
  ['bulk over proto-max-bulk-len', '*1\r\n$600000000\r\n'],
  ["expected '$'", '*1\r\nfoo\r\n'],
  ['unbalanced quotes', 'PING "a\r\n'],
  ['text after a closing quote', 'ECHO "a"b\r\n'],
  ['replies before the error still come', 'PING\r\nECHO x\r\n*1\r\n:1\r\nPING\r\n'],
];

describe('broker matches redis-server', () => {
  for (const proto of [2, 3] as const) {
    for (const pipelined of [false, true]) {
      describe(`RESP${proto}, ${pipelined ? 'pipelined' : 'one command at a time'}`, () => {
        for (const [name, script] of Object.entries(scripts)) {
          if (script.protos && !script.protos.includes(proto)) continue;
          it(name, async () => {
            const real = await compare(withProtocol(proto, script.conns, script.steps), pipelined);
            const needles = [...script.expect, ...(proto === 2 ? (script.expectResp2 ?? []) : [])];
            for (const needle of needles) expect(allFrames(real)).toContain(needle);
          });
        }
      });
    }
    describe(`RESP${proto} protocol errors close the connection`, () => {
      it.each(protocolErrors)('%s', async (_name, raw) => {
        const steps = withProtocol(proto, ['a'], [{ on: 'a', raw, closes: true }]);
        const real = await compare(steps, false);
        expect(allFrames(real)).toContain('Protocol error');
        expect(real.at(-1)?.closed).toBe(true);
      });
    });
  }

  it('inline commands parse the same', async () => {
    const real = await compare(
      [{ on: 'a', raw: 'PING\r\nECHO "a\\tb\\x41" \'c d\'\r\n\r\nSUBSCRIBE {p}i\r\nPING\n' }],
      false,
    );
    expect(allFrames(real)).toContain('"subscribe"');
  });

  it('glob patterns match the same channels', async () => {
    const patterns = [
      '*',
      'h?llo',
      'h[ae]llo',
      'h[^e]llo',
      'h[b-a]llo',
      'h\\*llo',
      '[',
      'a[b',
      '[^]',
      '[a-c-e]',
      'a*b*c',
      '\\',
      '[\\-]',
    ];
    const subjects = ['hello', 'hallo', 'h*llo', 'ab', 'a', '-', '\\', 'abc', 'aXbYc', 'e', '['];
    const steps: Step[] = [
      { on: 'sub', send: patterns.map((p) => `PSUBSCRIBE "{p}${p.replaceAll('\\', '\\\\')}"`) },
      { on: 'pub', send: subjects.map((s) => `PUBLISH "{p}${s.replaceAll('\\', '\\\\')}" m`) },
    ];
    const real = await compare(steps, true);
    expect(allFrames(real)).toContain('pmessage');
  });
});
