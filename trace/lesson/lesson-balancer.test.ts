import { describe, expect, it } from 'vitest';
import { LessonFormatError, parseLesson } from './lesson-format.ts';
import { apiCallsOf, describeAction } from './lesson-actions.ts';

function lesson(setup: string[], ...block: string[]): string {
  return [
    '---',
    'id: lb',
    'title: LB',
    'summary: s.',
    'teaches: t.',
    'level: beginner',
    'minutes: 5',
    'setup:',
    '  servers: 3',
    '  adapter: redis',
    ...setup,
    '---',
    '',
    '## One',
    '```lesson',
    ...block,
    '```',
  ].join('\n');
}

const same = (name: string) => name;

describe('the balancer in lessons', () => {
  it('reads a setup with a balancer and clients through it, the balancer action, and addClient through it', () => {
    const l = parseLesson(
      'x.md',
      lesson(
        [
          '  balancer: round-robin',
          '  clients:',
          '    - { via: balancer, transports: [polling, websocket] }',
          '    - { server: s2, transports: [websocket] }',
        ],
        'do:',
        '  - balancer: sticky',
        '  - addClient: { via: balancer }',
        'highlight: [balancer, client:c3]',
      ),
    );
    expect(l.setup).toMatchObject({
      balancer: 'round-robin',
      clients: [
        { via: 'balancer', transports: ['polling', 'websocket'], rooms: [] },
        { server: 's2', rooms: [] },
      ],
    });
    expect(l.steps[0].do).toEqual([
      { balancer: 'sticky' },
      { addClient: { via: 'balancer', rooms: [] } },
    ]);
    expect(l.steps[0].highlight).toEqual(['balancer', 'client:c3']);
  });

  it('turns them into the API calls the page and the test make', () => {
    const l = parseLesson(
      'x.md',
      lesson(
        ['  balancer: sticky', '  clients: [{ via: balancer, transports: [polling, websocket] }]'],
        'do:',
        '  - balancer: off',
        '  - addClient: { server: s1, transports: [polling, websocket] }',
      ),
    );
    const setup = apiCallsOf({ setup: l.setup }, same).at(-1);
    expect(setup?.body).toMatchObject({
      balancer: 'sticky',
      clients: [{ via: 'balancer', transports: ['polling', 'websocket'], rooms: [] }],
    });
    const [off, add] = l.steps[0].do;
    expect(apiCallsOf(off, same)).toEqual([
      { method: 'POST', path: '/api/balancer', body: { mode: 'off' } },
    ]);
    expect(apiCallsOf(add, same)[0].body).toEqual({
      server: 's1',
      rooms: [],
      transports: ['polling', 'websocket'],
      count: 1,
    });
    expect(describeAction(off)).toBe('switch the balancer to off');
    expect(describeAction(add)).toBe('add a client on s1, long-polling first');
  });

  it.each([
    [['  clients: [{ via: balancer, server: s1 }]'], [], /leave out "server"/, 11],
    [['  clients: [{ rooms: [blue] }]'], [], /needs "server", or "via: balancer"/, 11],
    [
      ['  clients: [{ server: s1, transports: [polling] }]'],
      [],
      /\[websocket\] or \[polling, websocket\]/,
      11,
    ],
    [
      ['  clients: [{ via: balancer }]'],
      [],
      /give "balancer: sticky" or "balancer: round-robin"/,
      9,
    ],
    [
      ['  balancer: hash', '  clients: []'],
      [],
      /balancer must be one of sticky, round-robin, off/,
      11,
    ],
    [
      ['  clients: []'],
      ['do: { balancer: on }'],
      /balancer must be one of sticky, round-robin, off/,
      16,
    ],
  ])('refuses %j %j with a sentence and its line', (setup, block, message, line) => {
    const parse = () => parseLesson('x.md', lesson(setup, ...block));
    expect(parse).toThrow(LessonFormatError);
    expect(parse).toThrow(message);
    try {
      parse();
    } catch (err) {
      expect((err as LessonFormatError).message).toMatch(new RegExp(`x\\.md:${line}\\b`));
    }
  });
});
