import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LessonFormatError, parseLesson, parseLessons } from './lesson-format.ts';

const FRONT = [
  '---',
  'id: demo',
  'title: Demo',
  'summary: A demo.',
  'teaches: How to write a demo.',
  'level: beginner',
  'minutes: 5',
  'setup:',
  '  servers: 3',
  '  adapter: redis',
  '  clients:',
  '    - { server: s1, rooms: [blue] }',
  '    - { server: s2 }',
  '---',
]; // 14 lines: the body starts on line 15

function lesson(...body: string[]): string {
  return [...FRONT, ...body].join('\n');
}

function step(...yaml: string[]): string {
  return lesson('', '## A step', 'Some words.', '', '```lesson', ...yaml, '```');
} // the first YAML line is line 20

describe('parseLesson', () => {
  it('reads front matter, intro, steps, narration and blocks', () => {
    const l = parseLesson(
      'x.md',
      lesson(
        'Intro words.',
        '',
        '## Step: First',
        'Narration with `code`.',
        '',
        '```js',
        '## not a heading, inside a fence',
        '```',
        '',
        '```lesson',
        'do: { emit: { client: c2, event: chat message, args: [hi] } }',
        'predict:',
        '  question: Who?',
        '  choices: [{ text: a, value: [c1] }, { text: b, value: [c1, c2] }]',
        '  observe: { event: { kind: client.receive }, sameFlow: true, collect: client }',
        '  expect: 1',
        'waitFor: { event: { kind: client.receive }, sameFlow: true, count: 2 }',
        'highlight: [server:s1, "channel:socket.io#/#"]',
        '```',
        '',
        '## Second',
        'Just reading.',
      ),
    );
    expect(l).toMatchObject({ id: 'demo', minutes: 5, intro: 'Intro words.' });
    expect(l.setup.clients).toEqual([
      { server: 's1', rooms: ['blue'] },
      { server: 's2', rooms: [] },
    ]);
    expect(l.steps.map((s) => [s.title, s.line])).toEqual([
      ['First', 17],
      ['Second', 35],
    ]);
    expect(l.steps[0].narration).toContain('## not a heading, inside a fence');
    expect(l.steps[0].do).toEqual([
      { emit: { client: 'c2', event: 'chat message', args: ['hi'] } },
    ]);
    expect(l.steps[0].predict).toMatchObject({ expect: 1, settleMs: 500 });
    expect(l.steps[0].highlight).toEqual(['server:s1', 'channel:socket.io#/#']);
    expect(l.steps[1]).toMatchObject({ narration: 'Just reading.', do: [], highlight: [] });
  });

  it('reads the RESP version, sub-commands, the stray subscriber and replies', () => {
    const l = parseLesson(
      'x.md',
      lesson(
        '## One',
        '```lesson',
        'do:',
        '  - setup: { servers: 2, adapter: redis, resp: 2, clients: [{ server: s1 }] }',
        '  - subCommand: { server: s2, args: [publish, demo, 42] }',
        '  - straySubscriber: on',
        '  - emit: { client: c1, event: count sockets }',
        'predict:',
        '  question: What does it answer?',
        '  choices: [{ text: a count, value: [] }, { text: a timeout, value: [timeout] }]',
        '  observe: { reply: { client: c1, event: count sockets }, collect: reply.error }',
        '  expect: 1',
        'waitFor: { reply: { client: c1, "reply.error": timeout }, count: 1 }',
        '```',
      ),
    );
    expect(l.setup.resp).toBeUndefined();
    expect(l.steps[0].do).toEqual([
      { setup: { servers: 2, adapter: 'redis', resp: 2, clients: [{ server: 's1', rooms: [] }] } },
      { subCommand: { server: 's2', args: ['PUBLISH', 'demo', '42'] } },
      { straySubscriber: 'on' },
      { emit: { client: 'c1', event: 'count sockets', args: [] } },
    ]);
    expect(l.steps[0].predict?.observe).toEqual({
      reply: { client: 'c1', event: 'count sockets' },
      collect: 'reply.error',
    });
    expect(l.steps[0].waitFor).toEqual({
      reply: { client: 'c1', 'reply.error': 'timeout' },
      count: 1,
    });
  });

  it('reads checks, orders, exact counts, groups, first, and the lesson parts', () => {
    const l = parseLesson(
      'x.md',
      lesson(
        '## One',
        '```lesson',
        'do:',
        '  - addClient: { server: s3, nsp: /game }',
        '  - together: [{ client: c1, event: chat message, args: [A] }, { client: c2, event: chat message, args: [B] }]',
        '  - serversEmit: { event: news, args: [N], local: true }',
        '  - console: { connection: B, args: [subscribe, x, y] }',
        '  - plainApp: { start: { guard: true } }',
        '  - plainApp: { emit: hi }',
        '  - plainApp: stop',
        'predict:',
        '  question: Who first?',
        '  choices: [{ text: a, value: [publish] }, { text: b, value: [deliver] }]',
        '  observe: { first: [{ kind: publish }, { kind: deliver, origin: local }], sameFlow: true }',
        '  expect: 0',
        'waitFor: { event: { kind: console, "value.0": subscribe }, exactly: 2 }',
        'check:',
        '  - says: publish, then deliver',
        '    order: [{ kind: publish }, { kind: deliver, origin: local }]',
        '    sameFlow: true',
        '  - says: each client twice',
        '    observe: { event: { kind: client.receive }, collect: args.0, per: client }',
        '    is: ["c1: A, B"]',
        '```',
      ),
    );
    const step = l.steps[0];
    expect(step.do).toEqual([
      { addClient: { server: 's3', rooms: [], nsp: '/game' } },
      { together: [{ client: 'c1', event: 'chat message', args: ['A'] }, { client: 'c2', event: 'chat message', args: ['B'] }] },
      { serversEmit: { event: 'news', args: ['N'], local: true } },
      { console: { connection: 'B', args: ['SUBSCRIBE', 'x', 'y'] } },
      { plainApp: { start: { guard: true, offlineQueue: false } } },
      { plainApp: { emit: 'hi' } },
      { plainApp: { stop: true } },
    ]);
    expect(step.predict?.observe).toEqual({ first: [{ kind: 'publish' }, { kind: 'deliver', origin: 'local' }], sameFlow: true });
    expect(step.waitFor).toEqual({ event: { kind: 'console', 'value.0': 'subscribe' }, exactly: 2, count: undefined, sameFlow: undefined });
    expect(step.check).toEqual([
      { says: 'publish, then deliver', holds: { order: [{ kind: 'publish' }, { kind: 'deliver', origin: 'local' }], sameFlow: true }, line: 32 },
      { says: 'each client twice', observe: { event: { kind: 'client.receive' }, collect: 'args.0', per: 'client', sameFlow: undefined }, is: ['c1: A, B'], line: 35 },
    ]);
  }); // prettier-ignore

  const broken: [string, string, RegExp][] = [
    ['no front matter', '## Step\nHi.', /^x\.md:1: a lesson starts with YAML front matter/],
    [
      'a misspelt front matter key',
      lesson('## S', 'Hi.').replace('minutes: 5', 'minuts: 5'),
      /^x\.md:7: the front matter: unknown key "minuts" \(did you mean "minutes"\?\)/,
    ],
    [
      'a bad level',
      lesson('## S', 'Hi.').replace('beginner', 'easy'),
      /^x\.md:6: level must be one of beginner, intermediate, advanced/,
    ],
    ['no step', lesson('Only an intro.'), /^x\.md:15: a lesson needs at least one step/],
    ['a misspelt step key', step('waitfor: { redis: up }'), /^x\.md:20: .*unknown key "waitfor" \(did you mean "waitFor"\?\)/],
    ['an unknown server', step('do:', '  - start: s1', '  - stop: s4'), /^x\.md:22: there is no server s4: the setup makes 3/],
    ['an unknown client', step('do: { emit: { client: c3, event: hi } }'), /^x\.md:20: there is no client c3/],
    ['an unknown event kind', step('waitFor: { event: { kind: recieve } }'), /^x\.md:20: unknown event kind "recieve" \(did you mean "receive"\?\)/],
    ['an unknown event field', step('waitFor:', '  event: { kind: receive, desicion: delivered }'), /^x\.md:21: .*unknown key "desicion" \(did you mean "decision"\?\)/],
    ['bad YAML', step('do: [stop: s1'), /^x\.md:20: YAML: /],
    ['an outsider with nothing to publish', step('do: { outsider: { channel: "socket.io#/#" } }'), /^x\.md:20: outsider needs an event to forge, or a channel and the text/],
    ['a lockdown that is not on or off', step('do: { lockdown: yes }'), /^x\.md:20: lockdown must be one of on, off/],
    ['two actions in one item', step('do:', '  - { stop: s1, start: s2 }'), /^x\.md:21: an action has exactly one of/],
    [
      'a prediction with nothing to check',
      step('predict:', '  question: Q?', '  choices: [{text: a, value: 1}, {text: b, value: 2}]', '  observe: { event: { kind: publish }, collect: count }', '  expect: 0'),
      /^x\.md:21: a prediction needs a waitFor/,
    ],
    ['an expect out of range', step('predict:', '  question: Q?', '  choices: [{text: a, value: 1}, {text: b, value: 2}]', '  observe: { event: { kind: publish }, collect: count }', '  expect: 2'), /^x\.md:24: predict.expect must be a whole number from 0 to 1/],
    ['a bad highlight', step('highlight: [srv1]'), /^x\.md:20: "srv1" is not a stage element/],
    ['an unclosed fence', lesson('## S', '```lesson', 'hint: hi'), /^x\.md:16: this code fence is never closed/],
    ['two blocks in a step', lesson('## S', '```lesson', '```', '```lesson', '```'), /^x\.md:18: step "S" has a second/],
    ['an unknown sub-command', step('do: { subCommand: { server: s1, args: [FLUSHALL] } }'), /^x\.md:20: subCommand runs one of PING, ECHO, PUBLISH, not "FLUSHALL"/],
    ['a sub-command on no server', step('do: { subCommand: { server: s4, args: [PING] } }'), /^x\.md:20: there is no server s4/],
    ['a stray subscriber neither on nor off', step('do: { straySubscriber: yes }'), /^x\.md:20: straySubscriber must be one of on, off/],
    ['a bad resp', lesson('## S', 'Hi.').replace('  adapter: redis', '  adapter: redis\n  resp: 4'), /^x\.md:11: setup.resp must be a whole number from 2 to 3/],
    ['a reply matcher with an unknown field', step('waitFor: { reply: { client: c1, replies: 1 } }'), /^x\.md:20: a reply matcher: unknown key "replies"/],
    ['observing replies and events at once', step('do: { emit: { client: c1, event: whoami } }', 'predict:', '  question: Q?', '  choices: [{text: a, value: 1}, {text: b, value: 2}]', '  observe: { reply: { client: c1 }, event: { kind: publish }, collect: count }', '  expect: 0', 'waitFor: { reply: { client: c1 } }'), /^x\.md:24: predict.observe looks at events .* or at replies/],
    ['a mode without sharding', lesson('## S', 'Hi.').replace('  adapter: redis', '  adapter: redis\n  subscriptionMode: static'), /^x\.md:11: setup.subscriptionMode only applies to adapter: sharded/],
    ['a check with no claim', step('do: { stop: s1 }', 'check:', '  - says: it stopped'), /^x\.md:22: a condition needs one of event, order/],
    ['a check with no says', step('do: { stop: s1 }', 'check:', '  - { server: s1, state: down }'), /^x\.md:22: a check needs "says"/],
    ['a check on a step where nothing happens', step('check:', '  - { says: s1 is up, server: s1, state: up }'), /^x\.md:21: a check needs a "do" or a task/],
    ['"is" without observe', step('do: { stop: s1 }', 'check:', '  - { says: x, server: s1, state: down, is: 1 }'), /^x\.md:22: "is" goes with "observe"/],
    ['count and exactly', step('waitFor: { event: { kind: publish }, count: 1, exactly: 1 }'), /^x\.md:20: an event condition has "count" \(at least\) or "exactly"/],
    ['an order of one', step('waitFor: { order: [{ kind: publish }] }'), /^x\.md:20: order lists at least two/],
    ['first with one kind twice', step('do: { stop: s1 }', 'predict:', '  question: Q?', '  choices: [{text: a, value: 1}, {text: b, value: 2}]', '  observe: { first: [{ kind: publish }, { kind: publish, server: s2 }] }', '  expect: 0', 'waitFor: { server: s1, state: down }'), /^x\.md:24: the matchers of first each name one kind/],
    ['a namespace the servers do not serve', step('do: { addClient: { server: s1, nsp: /chat } }'), /^x\.md:20: addClient.nsp must be \/ or one of the lab's namespaces: \/game, \/news/],
    ['a console command it does not run', step('do: { console: { connection: A, args: [FLUSHALL] } }'), /^x\.md:20: the console runs PING, .* not "FLUSHALL"/],
    ['a console connection it does not have', step('do: { console: { connection: D, args: [PING] } }'), /^x\.md:20: console.connection must be one of A, B, C/],
    ['together with one emit', step('do: { together: [{ client: c1, event: hi }] }'), /^x\.md:20: together lists at least two emits/],
    ['a plain app that does two things', step('do: { plainApp: { emit: hi, start: {} } }'), /^x\.md:20: plainApp is "stop", or has one of start, emit/],
  ]; // prettier-ignore

  it.each(broken)('%s: fails with the file and line', (_what, text, message) => {
    let error: unknown;
    try {
      parseLesson('x.md', text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LessonFormatError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses two lessons with one id', () => {
    const text = lesson('## S', 'Hi.');
    expect(() => parseLessons({ 'a.md': text, 'b.md': text })).toThrow(
      /^b\.md:2: id "demo" is already used by a\.md/,
    );
  });
});

describe('the lessons in lessons/', () => {
  const dir = new URL('../../lessons/', import.meta.url);
  const files = readdirSync(dir).filter((f) => /^\d.*\.md$/.test(f));

  it('all parse, with unique ids, and count their steps', () => {
    const lessons = parseLessons(
      Object.fromEntries(files.map((f) => [f, readFileSync(new URL(f, dir), 'utf8')])),
    );
    expect(lessons.length).toBe(files.length);
    for (const l of lessons) expect(l.steps.length).toBeGreaterThan(1);
  });

  it('name only lessons that exist when they say "lesson N"', () => {
    const numbers = new Set(files.map((f) => Number(f.slice(0, 2))));
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      for (const m of text.matchAll(/\blessons? (\d+)/gi))
        expect(numbers.has(Number(m[1])), `${f} names lesson ${m[1]}`).toBe(true);
    }
  });

  it('are numbered by file, each number once, and all listed in the index of lessons/README.md', () => {
    const readme = readFileSync(new URL('README.md', dir), 'utf8');
    const lessons = parseLessons(
      Object.fromEntries(files.map((f) => [f, readFileSync(new URL(f, dir), 'utf8')])),
    );
    const numbers = lessons.map((l) => l.number);
    expect(new Set(numbers).size).toBe(lessons.length);
    for (const l of lessons) {
      const file = l.file.split('/').pop()!;
      expect(l.number).toBe(Number(file.slice(0, 2)));
      const row = readme.split('\n').find((line) => line.includes(`](${file})`));
      expect(row, `${file} is in the index`).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells.slice(1, 6)).toEqual([
        String(l.number),
        `[${l.title}](${file})`,
        l.teaches,
        l.level,
        String(l.minutes),
      ]);
    }
  });
});
