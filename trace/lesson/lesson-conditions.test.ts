import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../events.ts';
import { reduceAll } from '../reducer.ts';
import {
  checkClaim,
  choiceFits,
  fittingChoices,
  holds,
  matches,
  observe,
  stepFlow,
  type ConditionContext,
} from './lesson-conditions.ts';
import type { Condition, LessonReply } from './lesson-types.ts';

let seq = 0;
const ev = (e: Record<string, unknown>) =>
  ({ seq: ++seq, t: 0, step: 9, server: 's1', ...e }) as unknown as LabEvent;

const EVENTS: LabEvent[] = [
  ev({ kind: 'server.up', server: 's1', port: 1, adapter: 'redis' }),
  ev({ kind: 'server.up', server: 's2', port: 2, adapter: 'redis' }),
  ev({ kind: 'client.emit', client: 'c9', event: 'join', args: ['blue'], flow: 'f0' }),
  ev({ kind: 'client.emit', client: 'c9', event: 'chat message', args: ['hi'], flow: 'f1' }),
  ev({ kind: 'receive', server: 's1', decision: 'own-message', flow: 'f1', channel: 'socket.io#/#' }),
  ev({ kind: 'receive', server: 's2', decision: 'delivered', flow: 'f1', channel: 'socket.io#/#' }),
  ev({ kind: 'receive', server: 's2', decision: 'delivered', flow: 'f2', channel: 'socket.io#/#' }),
  ev({ kind: 'client.receive', client: 'c9', event: 'chat message', args: ['hi'], flow: 'f1' }),
  ev({ kind: 'redis.command', command: 'PUBSUB', args: ['NUMSUB', 'x'], reply: ['x', 3], flow: 'f1' }),
  ev({ kind: 'server.down', server: 's2', reason: 'crash' }),
  ev({ kind: 'redis.command', role: 'sub', command: 'PUBLISH', args: ['demo', 'hi'], error: 'Connection in subscriber mode' }),
]; // prettier-ignore

const REPLIES: LessonReply[] = [
  { client: 'c9', event: 'count sockets', reply: { error: 'timeout reached' } },
  { client: 'c9', event: 'whoami', reply: { server: 's1' } },
];

const ctx: ConditionContext = {
  events: EVENTS,
  replies: REPLIES,
  state: reduceAll(EVENTS),
  clientId: (name) => (name === 'c1' ? 'c9' : name),
  clientName: (id) => (id === 'c9' ? 'c1' : id),
};

describe('lesson conditions', () => {
  it('match fields, lists of values, values inside list fields, and lesson client names', () => {
    const chat = EVENTS[3];
    expect(matches({ kind: 'client.emit', client: 'c1' }, chat, ctx)).toBe(true);
    expect(matches({ kind: ['publish', 'client.emit'] }, chat, ctx)).toBe(true);
    expect(matches({ kind: 'client.emit', args: 'hi' }, chat, ctx)).toBe(true);
    expect(matches({ kind: 'client.emit', args: 'bye' }, chat, ctx)).toBe(false);
    expect(matches({ kind: 'client.emit', client: 'c9' }, chat, ctx)).toBe(true);
    expect(matches({ kind: 'client.emit', client: 'c2' }, chat, ctx)).toBe(false);
  });

  it("the step's flow is its first client event other than a join or leave", () => {
    expect(stepFlow(EVENTS)).toBe('f1');
  });

  const cases: [string, Condition, boolean][] = [
    ['an event', { event: { kind: 'receive', decision: 'delivered' } }, true],
    ['a count reached', { event: { kind: 'receive' }, count: 3 }, true],
    ['a count not reached', { event: { kind: 'receive' }, count: 4 }, false],
    ['a count in the flow', { event: { kind: 'receive' }, sameFlow: true, count: 3 }, false],
    ['a crashed server', { server: 's2', state: 'crashed' }, true],
    ['an up server', { server: 's1', state: 'up' }, true],
    ['a reply', { reply: { client: 'c1', event: 'count sockets' } }, true],
    [
      'a reply with a field',
      { reply: { event: 'count sockets', 'reply.error': 'timeout reached' } },
      true,
    ],
    ['a reply of another client', { reply: { client: 'c2', event: 'count sockets' } }, false],
    ['replies counted', { reply: { client: 'c1' }, count: 3 }, false],
    ['exactly as many', { event: { kind: 'receive' }, exactly: 3 }, true],
    ['exactly, but more came', { event: { kind: 'receive' }, exactly: 2 }, false],
    ['exactly none', { event: { kind: 'publish' }, exactly: 0 }, true],
    ['exactly, in the flow', { event: { kind: 'receive' }, sameFlow: true, exactly: 2 }, true],
    ['in order', { order: [{ kind: 'client.emit' }, { kind: 'receive', server: 's2' }] }, true],
    ['out of order', { order: [{ kind: 'client.receive' }, { kind: 'receive' }] }, false],
    ['in order, one never came', { order: [{ kind: 'client.emit' }, { kind: 'publish' }] }, false],
    [
      'in order within the flow',
      { order: [{ kind: 'receive', server: 's2' }, { kind: 'client.receive' }], sameFlow: true },
      true,
    ],
    [
      'all',
      {
        all: [
          { server: 's1', state: 'up' },
          { server: 's2', state: 'up' },
        ],
      },
      false,
    ],
    [
      'any',
      {
        any: [
          { server: 's1', state: 'up' },
          { server: 's2', state: 'up' },
        ],
      },
      true,
    ],
  ];
  it.each(cases)('%s', (_what, condition, expected) => {
    expect(holds(condition, ctx)).toBe(expected);
  });

  it('observes counts, distinct sorted values, dotted paths and lesson client names', () => {
    const receipts = { event: { kind: 'receive' }, sameFlow: true };
    expect(observe({ ...receipts, collect: 'count' }, ctx)).toBe(2);
    expect(observe({ ...receipts, collect: 'server' }, ctx)).toEqual(['s1', 's2']);
    expect(observe({ ...receipts, collect: 'decision' }, ctx)).toEqual([
      'delivered',
      'own-message',
    ]);
    expect(observe({ event: { kind: 'redis.command' }, collect: 'reply.1' }, ctx)).toEqual([3]);
    expect(observe({ event: { kind: 'client.receive' }, collect: 'client' }, ctx)).toEqual(['c1']);
    expect(observe({ event: { kind: 'publish' }, collect: 'channel' }, ctx)).toEqual([]);
    const onSub = { event: { kind: 'redis.command', role: 'sub', command: 'PUBLISH' } };
    expect(observe({ ...onSub, collect: 'error' }, ctx)).toEqual(['Connection in subscriber mode']);
    expect(observe({ ...onSub, collect: 'reply' }, ctx)).toEqual([]);
  });

  it('observes per group, in arrival order with repeats, and which matcher came first', () => {
    const both: LabEvent[] = [
      ev({ kind: 'client.receive', client: 'c9', event: 'chat message', args: ['A'] }),
      ev({ kind: 'client.receive', client: 'c2', event: 'chat message', args: ['B'] }),
      ev({ kind: 'client.receive', client: 'c2', event: 'chat message', args: ['A'] }),
      ev({ kind: 'client.receive', client: 'c9', event: 'chat message', args: ['B'] }),
      ev({ kind: 'client.receive', client: 'c9', event: 'chat message', args: ['B'] }),
    ];
    const c = { ...ctx, events: both };
    const chat = { event: { kind: 'client.receive' } };
    expect(observe({ ...chat, collect: 'args.0', per: 'client' }, c)).toEqual([
      'c1: A, B, B',
      'c2: B, A',
    ]);
    expect(observe({ ...chat, collect: 'count', per: 'client' }, c)).toEqual(['c1: 3', 'c2: 2']);
    const first = [{ kind: 'publish' }, { kind: 'receive' }, { kind: 'client.emit' }];
    expect(observe({ first }, ctx)).toEqual(['client.emit']);
    expect(observe({ first: first.slice(0, 2) }, ctx)).toEqual(['receive']);
    expect(observe({ first: [{ kind: 'publish' }, { kind: 'deliver' }] }, ctx)).toEqual([]);
  });

  it('checks a claim, and says what the lab showed when it does not hold', () => {
    const line = 1;
    expect(checkClaim({ says: 'two receipts', holds: { event: { kind: 'receive' }, sameFlow: true, exactly: 2 }, line }, ctx)).toEqual({ says: 'two receipts', held: true });
    expect(checkClaim({ says: 'one', holds: { event: { kind: 'receive' }, exactly: 1 }, line }, ctx)).toMatchObject({ held: false, saw: '3 matching events' });
    expect(checkClaim({ says: 'order', holds: { order: [{ kind: 'client.receive' }, { kind: 'publish' }] }, line }, ctx).saw).toBe('client.receive came #8, publish never came');
    expect(checkClaim({ says: 'NUMSUB 3', observe: { event: { kind: 'redis.command' }, collect: 'reply.1' }, is: [3], line }, ctx)).toEqual({ says: 'NUMSUB 3', held: true, saw: '3' });
    expect(checkClaim({ says: 'NUMSUB 4', observe: { event: { kind: 'redis.command' }, collect: 'reply.1' }, is: 4, line }, ctx).held).toBe(false);
  }); // prettier-ignore

  it("observes the answers to the lesson's emits, which the trace does not carry", () => {
    const counts = { reply: { client: 'c1', event: 'count sockets' } };
    expect(observe({ ...counts, collect: 'reply.error' }, ctx)).toEqual(['timeout reached']);
    expect(observe({ ...counts, collect: 'reply.count' }, ctx)).toEqual([]);
    expect(observe({ ...counts, collect: 'client' }, ctx)).toEqual(['c1']);
    expect(observe({ reply: { client: 'c1' }, collect: 'count' }, ctx)).toBe(2);
  });

  it('a choice fits when its value says what was observed; lists compare as sets', () => {
    expect(choiceFits({ text: '', value: ['s2', 's1'] }, ['s1', 's2'])).toBe(true);
    expect(choiceFits({ text: '', value: ['s1'] }, ['s1', 's2'])).toBe(false);
    expect(choiceFits({ text: '', value: [] }, [])).toBe(true);
    expect(choiceFits({ text: '', value: 's1' }, ['s1'])).toBe(true);
    expect(choiceFits({ text: '', value: 2 }, 2)).toBe(true);
    expect(choiceFits({ text: '', value: [3] }, [3])).toBe(true);
    const choices = [
      { text: 'a', value: 1 },
      { text: 'b', value: 2 },
    ];
    expect(fittingChoices(choices, 2)).toEqual([1]);
    expect(fittingChoices(choices, 5)).toEqual([]);
  });
});
