/**
 * Redis's `stringmatchlen` (util.c, 7.x) ported byte for byte, so PSUBSCRIBE and
 * PUBSUB CHANNELS match exactly what a real Redis matches, quirks included:
 * an unterminated `[` class, a backslash at the end, reversed ranges like `[z-a]`.
 *
 * Both arguments are byte strings: each char code is one byte (latin1), because
 * channel names are binary-safe in Redis and the registry keys them that way.
 */
export function globMatch(pattern: string, subject: string): boolean {
  skipLongerMatches = false;
  return matchFrom(pattern, 0, subject, 0);
}

/**
 * Set once the rest of a pattern failed to match from every position after a `*`; shared by
 * the recursion of one globMatch call (which is synchronous, so a module variable is safe and
 * spares an allocation on every PUBLISH).
 */
let skipLongerMatches = false;

/** Char code at `i`, or 0 past the end: the C code reads the NUL terminator there. */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

const STAR = 42; // *
const QUESTION = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const CARET = 94; // ^
const BACKSLASH = 92; // \
const DASH = 45; // -

function matchFrom(pattern: string, p: number, subject: string, s: number): boolean {
  const pEnd = pattern.length;
  const sEnd = subject.length;
  while (p < pEnd && s < sEnd) {
    const c = pattern.charCodeAt(p);
    if (c === STAR) {
      while (p + 1 < pEnd && pattern.charCodeAt(p + 1) === STAR) p++;
      if (p + 1 === pEnd) return true;
      for (; s < sEnd; s++) {
        if (matchFrom(pattern, p + 1, subject, s)) return true;
        // Without this cut a pattern like a*a*a*...b is exponential (CVE-2022-36021).
        if (skipLongerMatches) return false;
      }
      skipLongerMatches = true;
      return false;
    } else if (c === QUESTION) {
      s++;
    } else if (c === OPEN) {
      p++;
      const negate = at(pattern, p) === CARET;
      if (negate) p++;
      const sc = subject.charCodeAt(s);
      let matched = false;
      for (;;) {
        const pc = at(pattern, p);
        if (pc === BACKSLASH && pEnd - p >= 2) {
          p++;
          if (at(pattern, p) === sc) matched = true;
        } else if (pc === CLOSE) {
          break;
        } else if (p >= pEnd) {
          // An unterminated class ends the pattern; step back so the loop's p++ lands on the end.
          p--;
          break;
        } else if (pEnd - p >= 3 && at(pattern, p + 1) === DASH) {
          let start = pc;
          let end = at(pattern, p + 2);
          if (start > end) [start, end] = [end, start];
          p += 2;
          if (sc >= start && sc <= end) matched = true;
        } else if (pc === sc) {
          matched = true;
        }
        p++;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      s++;
    } else {
      if (c === BACKSLASH && pEnd - p >= 2) p++;
      if (pattern.charCodeAt(p) !== subject.charCodeAt(s)) return false;
      s++;
    }
    p++;
    if (s === sEnd) {
      while (at(pattern, p) === STAR && p < pEnd) p++;
      break;
    }
  }
  return p === pEnd && s === sEnd;
}
