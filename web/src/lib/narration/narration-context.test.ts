import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { broadcastEvents, threeServers } from '../stage/stage-fixture.ts';
import { narrateBeat } from './beat-narration.ts';
import { narrate, stepOf } from './narration.ts';
import { plainError } from './redis-errors.ts';

const last = (events: readonly LabEvent[], kind: LabEvent['kind']) =>
  [...events].reverse().find((e) => e.kind === kind)!;

describe('narration that reads the lab', () => {
  it("a clean stop closes the server's connections: step 1, not a lost connection", () => {
    const s = threeServers().serverDown('s2');
    const quit = s.emit({ kind: 'redis.disconnect', server: 's2', role: 'sub', name: 's2:sub' });
    const state = reduceAll(s.events);
    expect(narrate(quit, { state })).toBe(
      "s2's sub connection (s2:sub) closed: s2 is stopping, so it said QUIT to Redis.",
    );
    expect(stepOf(quit, state)).toBe(1);
  });

  it('a connection lost to an error says so in plain words; the raw error is not quoted', () => {
    const s = threeServers();
    const lost = s.emit({
      kind: 'redis.disconnect',
      server: 's1',
      role: 'pub',
      name: 's1:pub',
      error: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
    const text = narrate(lost, { state: reduceAll(s.events) });
    expect(text).toMatch(/was lost: nothing answers on Redis's port/);
    expect(text).not.toMatch(/ECONNREFUSED/);
    expect(stepOf(lost, reduceAll(s.events))).toBe(4);
  });

  it("a refused PUBLISH while Redis is down is told in the lesson's words", () => {
    const e: LabEvent = {
      kind: 'publish.result',
      seq: 1,
      t: 0,
      server: 's1',
      step: 9,
      pubId: 1,
      channel: 'socket.io#/#',
      error: "Stream isn't writeable and enableOfflineQueue options is false",
      ms: 0,
    };
    const text = narrate(e);
    expect(text).toMatch(/the connection to Redis is down/);
    expect(text).not.toMatch(/enableOfflineQueue|Stream isn't/);
  });

  it('the reply to an SPUBLISH says SPUBLISH', () => {
    const t = new LabScript().sharded().serverUp('s1').serverUp('s2').connect('c1', 's1');
    broadcast(t, 'c1');
    const state = reduceAll(t.events);
    expect(narrate(last(t.events, 'publish.result'), { state })).toMatch(
      /^Redis answered s1's SPUBLISH on socket\.io#\/#: 2 receivers/,
    );
  });

  it("with no adapter, a broadcast's local delivery says it cannot reach the other servers", () => {
    const s = new LabScript();
    s.emit({ kind: 'server.up', server: 's1', port: 4001, adapter: 'none' });
    const d = s.emit({
      kind: 'deliver',
      server: 's1',
      origin: 'local',
      event: 'chat message',
      rooms: [],
      except: [],
      sockets: ['a'],
      count: 1,
    });
    expect(narrate(d, { state: reduceAll(s.events) })).toMatch(
      /no adapter, so its broadcast cannot reach the other servers' clients/,
    );
  });

  it('a lab notice belongs to no step', () => {
    const n = new LabScript().emit({
      kind: 'lab.notice',
      server: 'hub',
      topic: 'lesson',
      text: 'Lesson ended',
      step: 1,
    });
    expect(stepOf(n)).toBeNull();
  });

  it.each([
    ['MaxRetriesPerRequestError: Reached the max retries per request limit', /gave up retrying/],
    ['Connection is closed.', /connection to Redis closed/],
    [
      'ERR Connection in subscriber mode, only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context',
      /subscriber mode/,
    ],
    ['something else entirely', /could not be reached/],
  ])('plainError(%s)', (raw, words) => expect(plainError(raw)).toMatch(words));
});

describe('narrateBeat', () => {
  it("tells Redis's copies to every subscriber in one sentence, with each server's decision", () => {
    const receives = broadcastEvents().filter((e) => e.kind === 'receive');
    expect(narrateBeat(receives)).toBe(
      'Redis handed socket.io#/# through socket.io#/#* to 3 subscribed servers: s1 drops its own message (same uid), s2 writes it to 1 local socket and s3 writes it to 1 local socket.',
    );
  });

  it("tells the clients' receipts together, and a beat of one hop as narrate() does", () => {
    const events = broadcastEvents();
    expect(narrateBeat(events.filter((e) => e.kind === 'client.receive'))).toBe(
      'c1, c2 and c3 received "chat message" over their WebSockets.',
    );
    expect(narrateBeat([events[0]])).toBe(narrate(events[0]));
  });

  it('a forged message every server caught says a plain server would crash, and who sent it', () => {
    const receives = broadcastEvents()
      .filter((e) => e.kind === 'receive')
      .map((e) => ({
        ...e,
        decision: 'undecodable' as const,
        reason: 'Error: 1 trailing bytes',
        fatal: true,
        foreign: 'outside' as const,
      }));
    const words = narrateBeat(receives);
    expect(words).toMatch(
      /servers: s1, s2 and s3 cannot decode it \(a plain server would crash; these keep serving\)\./,
    );
    expect(words).toMatch(/No server of this lab published it\.$/);
    // Next to a server that decides otherwise, each keeps its own words.
    const mixed = [{ ...receives[0], decision: 'own-message' as const }, ...receives.slice(1)];
    expect(narrateBeat(mixed)).toMatch(
      /: s1 drops its own message \(same uid\) and s2 and s3 cannot decode/,
    );
  });
});
