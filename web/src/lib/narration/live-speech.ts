/**
 * What the page's aria-live region says, and when. A screen reader reads the narration in the
 * project's words but without socket ids (spelt out, `jQzY4K…` says nothing a listener can use),
 * every hop while stepping (the listener asked for it), and while live at most one sentence every
 * two seconds: the newest, once the two seconds are up. Quiet, it says nothing while live.
 */

/** A socket id as narration.ts shortens it: six characters and an ellipsis. */
const SHORT_ID = String.raw`[^\s,()…]{6}…`;
const ID_IN_PARENS = new RegExp(String.raw`\s*\(socket ${SHORT_ID}\)`, 'g');
const ID_LIST = new RegExp(
  String.raw`: ${SHORT_ID}(?:, ${SHORT_ID})*(?: and \d+ more)?(?=[.\s]|$)`,
  'g',
);
const SOCKET_ID = new RegExp(String.raw`\b([Ss])ocket ${SHORT_ID}`, 'g');
const BARE_ID = new RegExp(SHORT_ID, 'g');

/** The narration as it is read aloud: the same sentence without socket ids. */
export function speakable(text: string): string {
  return text
    .replace(ID_IN_PARENS, '')
    .replace(ID_LIST, '')
    .replace(SOCKET_ID, (_, s: string) => (s === 'S' ? 'A socket' : 'a socket'))
    .replace(BARE_ID, 'a socket');
}

export interface SpeechClock {
  now(): number;
  later(fn: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
}

const realClock: SpeechClock = {
  now: () => Date.now(),
  later: (fn, ms) => setTimeout(fn, ms),
  cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class LiveSpeech {
  private last = -Infinity;
  private pending: unknown = null;
  private waiting = '';

  constructor(
    private readonly say: (text: string) => void,
    private readonly gapMs = 2000,
    private readonly clock: SpeechClock = realClock,
  ) {}

  /** A new narration: `live` when it comes from the feed, not from the listener's own step. */
  offer(text: string, live: boolean, quiet = false): void {
    if (!live) {
      this.stop();
      this.speak(text);
      return;
    }
    if (quiet) return this.stop();
    const since = this.clock.now() - this.last;
    if (since >= this.gapMs && this.pending === null) return this.speak(text);
    this.waiting = text;
    this.pending ??= this.clock.later(
      () => {
        this.pending = null;
        this.speak(this.waiting);
      },
      this.gapMs - Math.max(0, since),
    );
  }

  /** Drops what waits to be said (stepping, quiet, the page closing). */
  stop(): void {
    if (this.pending !== null) this.clock.cancel(this.pending);
    this.pending = null;
  }

  private speak(text: string): void {
    this.last = this.clock.now();
    this.say(speakable(text));
  }
}
