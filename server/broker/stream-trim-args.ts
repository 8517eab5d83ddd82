import { parseRedisInt } from './resp-request-parser.ts';
import { INVALID_ID, parseId, type ParsedId } from './stream-id.ts';
import { NODE_MAX_ENTRIES, type TrimArgs, type TrimStrategy } from './stream.ts';

export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
export const SYNTAX_ERROR = 'ERR syntax error';

export interface AddOrTrimArgs {
  trim: TrimArgs | null;
  /** XADD's id; null for `*`. */
  id: ParsedId | null;
  noMkStream: boolean;
  /** Where XADD's field/value pairs start. */
  fieldsAt: number;
}

/**
 * Redis 7.0's streamParseAddOrTrimArgsOrReply, shared by XADD and XTRIM: NOMKSTREAM,
 * MAXLEN|MINID [=|~] threshold, LIMIT count, then (XADD) the id. Returns Redis's error text
 * for the first thing wrong, checked in Redis's order.
 */
export function parseAddOrTrim(argv: Buffer[], xadd: boolean): AddOrTrimArgs | string {
  let strategy: TrimStrategy | null = null;
  let approx = false;
  let limit = 0;
  let limitGiven = false;
  let noMkStream = false;
  let id: ParsedId | null = null;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i].toString('latin1').toLowerCase();
    if (xadd && opt === '*') break;
    if ((opt === 'maxlen' || opt === 'minid') && more > 0) {
      if (strategy)
        return 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
      const next = argv[i + 1].toString('latin1');
      approx = more >= 2 && next === '~';
      if (more >= 2 && (next === '~' || next === '=')) i++;
      const arg = argv[i + 1];
      i++;
      if (opt === 'maxlen') {
        const n = parseRedisInt(arg.toString('latin1'));
        if (n === null) return NOT_AN_INTEGER;
        if (n < 0) return 'ERR The MAXLEN argument must be >= 0.';
        strategy = { maxlen: n };
      } else {
        const parsed = parseId(arg, { missingSeq: 0n, strict: true });
        if (!parsed) return INVALID_ID;
        strategy = { minid: parsed.id };
      }
    } else if (opt === 'limit' && more > 0) {
      const n = parseRedisInt(argv[i + 1].toString('latin1'));
      if (n === null) return NOT_AN_INTEGER;
      if (n < 0) return 'ERR The LIMIT argument must be >= 0.';
      limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'nomkstream') {
      noMkStream = true;
    } else if (xadd) {
      // Anything else is the id (or not a valid one).
      id = parseId(argv[i], { missingSeq: 0n, strict: true, seqStar: true });
      if (!id) return INVALID_ID;
      break;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (limit !== 0 && !strategy) {
    return 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy';
  }
  if (!xadd && !strategy) return 'ERR syntax error, XTRIM must be called with a trimming strategy';
  if (limitGiven && !approx) {
    return 'ERR syntax error, LIMIT cannot be used without the special ~ option';
  }
  // `~` without LIMIT does at most 100 nodes' worth of work; an exact trim has no limit.
  if (!limitGiven) limit = approx ? 100 * NODE_MAX_ENTRIES : 0;
  return {
    trim: strategy ? { strategy, approx, limit } : null,
    id,
    noMkStream,
    fieldsAt: i + 1,
  };
}
