import { describe, expect, it } from 'vitest';
import { LiveSpeech, speakable, type SpeechClock } from './live-speech.ts';

/** A clock the test moves by hand. */
function handClock() {
  let t = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: SpeechClock = {
    now: () => t,
    later: (fn, ms) => (timers.set(next, { at: t + ms, fn }), next++),
    cancel: (h) => timers.delete(h as number),
  };
  const advance = (ms: number) => {
    t += ms;
    for (const [id, x] of [...timers].sort((a, b) => a[1].at - b[1].at))
      if (x.at <= t) {
        timers.delete(id);
        x.fn();
      }
  };
  return { clock, advance, timers };
}

describe('speakable', () => {
  it.each([
    [
      'c108 (socket rB5baQ…) on s8 received "chat message" ("hi") over its WebSocket.',
      'c108 on s8 received "chat message" ("hi") over its WebSocket.',
    ],
    [
      's1 wrote "chat message" from Redis to 20 sockets: abcdef…, ghijkl…, mnopqr… and 17 more.',
      's1 wrote "chat message" from Redis to 20 sockets.',
    ],
    [
      'Socket jQzY4K… joined room blue on s2; only s2 knows it.',
      'A socket joined room blue on s2; only s2 knows it.',
    ],
    [
      "s1's pub connection sent PUBLISH socket.io#/# with 93 bytes.",
      "s1's pub connection sent PUBLISH socket.io#/# with 93 bytes.",
    ],
  ])('%s', (text, said) => expect(speakable(text)).toBe(said));
});

describe('LiveSpeech', () => {
  it('says at most one sentence every two seconds live, the newest, and nothing twice', () => {
    const { clock, advance } = handClock();
    const said: string[] = [];
    const speech = new LiveSpeech((t) => said.push(t), 2000, clock);
    speech.offer('one.', true);
    for (let i = 2; i <= 40; i++) {
      advance(100);
      speech.offer(`n${i}.`, true);
    }
    // 3.9 s of a sentence every 100 ms: the first, then at 2 s the newest by then.
    expect(said).toEqual(['one.', 'n20.']);
    advance(2000);
    expect(said).toEqual(['one.', 'n20.', 'n40.']);
    advance(10_000);
    expect(said).toHaveLength(3);
  });

  it('a step speaks at once and drops what waited, so the wait cannot speak over it', () => {
    const { clock, advance, timers } = handClock();
    const said: string[] = [];
    const speech = new LiveSpeech((t) => said.push(t), 2000, clock);
    speech.offer('live one.', true);
    advance(500);
    speech.offer('live two.', true);
    expect(timers.size).toBe(1);
    speech.offer('stepped.', false);
    expect(timers.size).toBe(0);
    advance(5000);
    expect(said).toEqual(['live one.', 'stepped.']);
  });

  it('quiet on request: nothing live, stepping still speaks', () => {
    const { clock, advance } = handClock();
    const said: string[] = [];
    const speech = new LiveSpeech((t) => said.push(t), 2000, clock);
    speech.offer('live.', true, true);
    advance(3000);
    speech.offer('stepped.', false, true);
    expect(said).toEqual(['stepped.']);
  });
});
