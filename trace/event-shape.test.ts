import { describe, expect, it } from 'vitest';
import { eventProblem, eventsProblem } from './event-shape.ts';

const base = { seq: 1, t: 1, server: 's1', step: 9 };
const receive = {
  ...base,
  kind: 'receive',
  channel: 'c',
  via: 'pmessage',
  bytes: 2,
  decision: 'delivered',
};

describe('eventProblem', () => {
  it('takes the events the lab makes', () => {
    expect(eventProblem(receive)).toBeUndefined();
    expect(
      eventProblem({
        ...receive,
        decision: 'undecodable',
        reason: 'Error: x',
        fatal: true,
        foreign: 'outside',
      }),
    ).toBeUndefined();
    expect(
      eventProblem({ ...base, step: 1, kind: 'lab.notice', topic: 'acl', text: 'locked' }),
    ).toBeUndefined();
  });

  it.each([
    ['not an object', 5, 'is not an object'],
    ['an unknown kind', { ...base, kind: 'party' }, 'has no known "kind"'],
    [
      'a missing field',
      { ...base, kind: 'redis.command', role: 'sub', args: [] },
      'redis.command: "command" is missing',
    ],
    ['an unknown decision', { ...receive, decision: 'eaten' }, '"decision" must be one of'],
    ['a field of the wrong type', { ...receive, bytes: '2' }, '"bytes" must be a number'],
    [
      'an optional field of the wrong type',
      { ...receive, sockets: [] },
      '"sockets" must be a number',
    ],
    [
      'an unknown foreign',
      { ...receive, foreign: 'mars' },
      '"foreign" must be one of outside, other-lab',
    ],
    ['a step out of range', { ...receive, step: 11 }, '"step" must be a whole number from 1 to 10'],
    ['a huge server id', { ...receive, server: 'x'.repeat(300) }, '"server" is longer than 256'],
  ])('refuses %s', (_what, value, problem) => {
    expect(eventProblem(value)).toContain(problem);
  });

  it('names the first bad event of a batch', () => {
    expect(eventsProblem([receive, receive, { ...receive, via: 'carrier pigeon' }])).toMatch(
      /^events\[2\] receive: "via"/,
    );
    expect(eventsProblem([receive])).toBeUndefined();
  });
});
