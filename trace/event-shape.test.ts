import { describe, expect, it } from 'vitest';
import { eventProblem, eventsProblem } from './event-shape.ts';

const base = { seq: 1, t: 1, server: 's1', step: 9 };
const refused = {
  ...base,
  step: '1a',
  kind: 'http.request',
  what: 'poll',
  method: 'GET',
  transport: 'polling',
  sid: 'abc',
  status: 400,
  error: 'Session ID unknown',
  balancer: 'round-robin',
  ms: 1,
};
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

  it('takes the HTTP events in steps 1a and 1b, which a standalone server sends through Redis', () => {
    expect(eventProblem(refused)).toBeUndefined();
    expect(
      eventProblem({
        ...base,
        step: '1b',
        kind: 'transport.upgrade',
        sid: 'abc',
        from: 'polling',
        to: 'websocket',
      }),
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
    ['an HTTP event in a numbered step', { ...refused, step: 2 }, '"step" must be 1a or 1b'],
    ['a numbered kind in an HTTP step', { ...receive, step: '1a' }, 'whole number from 1 to 10'],
    ['an unknown balancer', { ...refused, balancer: 'off' }, '"balancer" must be one of'],
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
