/**
 * A student's nickname: what the class sees on the projector and on every phone. It is checked
 * here, on the hub, whatever the phone page already checked; everywhere it is shown it is text.
 */

/** Most characters (code points) a nickname may have. */
export const NAME_MAX = 20;

/**
 * The lab names its own clients c1, p1 and its servers s1: a student called "c2" would be drawn
 * and narrated as the lab's client.
 */
const LAB_NAMES = /^[cps]\d+$/i;

/**
 * Control and format characters (\p{C}): a line break, a right-to-left override or a zero-width
 * joiner at the edge would make a name that reads as another, or not at all.
 */
const INVISIBLE = /\p{C}/u;

/** The nickname to use (trimmed, single spaces), or one sentence saying what is wrong. */
export function checkNickname(raw: unknown): { name: string } | { error: string } {
  if (typeof raw !== 'string')
    return { error: 'Send your nickname as "name", a text of 1 to 20 characters.' };
  const name = raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
  const length = [...name].length;
  if (length === 0) return { error: 'Pick a nickname of 1 to 20 characters.' };
  if (length > NAME_MAX)
    return { error: `That nickname has ${length} characters; pick one of at most ${NAME_MAX}.` };
  if (INVISIBLE.test(name))
    return { error: 'A nickname cannot hold control or invisible characters; use letters.' };
  if (LAB_NAMES.test(name))
    return {
      error: `"${name}" looks like one of the lab's own names (c1, p1, s1); pick another.`,
    };
  return { name };
}

/** Two nicknames the class could not tell apart on the projector. */
export function sameNickname(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;
}
