import { describe, expect, it } from 'vitest';
import { TRACE_VERSION } from './events.ts';
import { randomLab } from './sim/random-lab.ts';
import { reduceAll } from './reducer.ts';
import { Timeline } from './timeline.ts';
import { parseTrace, serializeTrace, TraceFileError } from './trace-file.ts';

const { script } = randomLab(21, 60);
const half = Math.floor(script.events.length / 2);
const exportedAt = '2026-11-28T08:00:00.000Z';

function withFile(change: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(serializeTrace({ events: script.events, exportedAt })) as Record<
    string,
    unknown
  >;
  change(file);
  return JSON.stringify(file);
}

describe('trace files', () => {
  it('round-trips events and a snapshot, and replays to the same state', () => {
    const snapshot = reduceAll(script.events.slice(0, half));
    const text = serializeTrace({ events: script.events.slice(half), exportedAt, snapshot });
    const file = parseTrace(text);
    expect(file).toMatchObject({ format: 'fanout-lab-trace', v: TRACE_VERSION, exportedAt });
    expect(file.events).toEqual(script.events.slice(half));
    expect(Timeline.fromSnapshot(file.snapshot!, file.events).current).toEqual(
      reduceAll(script.events),
    );
  });

  it('leaves the snapshot out when there is none', () => {
    expect('snapshot' in parseTrace(serializeTrace({ events: [], exportedAt }))).toBe(false);
  });

  it.each([
    ['not JSON', '{"format":', /not JSON.*Export trace/],
    ['another format', withFile((f) => (f.format = 'har')), /not a Fanout Lab trace/],
    [
      'a newer version',
      withFile((f) => (f.v = TRACE_VERSION + 1)),
      new RegExp(`version ${TRACE_VERSION + 1}.*Update Fanout Lab`),
    ],
    ['no version', withFile((f) => delete f.v), /no valid version/],
    ['no date', withFile((f) => delete f.exportedAt), /exportedAt/],
    ['no events', withFile((f) => (f.events = {})), /no "events" list/],
    [
      'an event without kind',
      withFile((f) => delete (f.events as Record<string, unknown>[])[3].kind),
      /Event 4 .*"kind".*Export it again/,
    ],
    [
      'an event with step 11',
      withFile((f) => ((f.events as Record<string, unknown>[])[0].step = 11)),
      /Event 1 .*step 11/,
    ],
    ['a broken snapshot', withFile((f) => (f.snapshot = { servers: {} })), /snapshot .* "redis"/],
    // Found by the chaos suite's file fuzz: these passed the checks and threw in the viewer's replay.
    [
      'a deliver whose sockets are not a list',
      withFile((f) => {
        const events = f.events as Record<string, unknown>[];
        const i = events.findIndex((e) => e.kind === 'deliver');
        events[i].sockets = 0;
      }),
      /Event \d+ .*deliver: "sockets" must be an array.*Export it again/,
    ],
    [
      'a redis.command whose command is not a string',
      withFile((f) => {
        const events = f.events as Record<string, unknown>[];
        const i = events.findIndex((e) => e.kind === 'redis.command');
        events[i].command = null;
      }),
      /Event \d+ .*redis.command: "command" must be a string/,
    ],
    [
      'a snapshot whose flow has no publishes list',
      (() => {
        const snapshot = reduceAll(script.events.slice(0, half));
        const flow = Object.values(snapshot.flows).find((fl) => fl.kind === 'broadcast')!;
        (flow as { publishes: unknown }).publishes = null;
        return serializeTrace({ events: script.events.slice(half), exportedAt, snapshot });
      })(),
      /cannot be replayed .*damaged.*Export it again/,
    ],
  ])('refuses %s with a clear message', (_name, text, message) => {
    expect(() => parseTrace(text)).toThrow(TraceFileError);
    expect(() => parseTrace(text)).toThrow(message);
  });
});
