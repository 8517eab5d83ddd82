/**
 * Redis client errors in the lesson's words. The narration says what happened for a class; the
 * inspector keeps the client's own message for whoever wants it.
 */
const PLAIN: [RegExp, string][] = [
  [
    /Stream isn't writeable|enableOfflineQueue/i,
    'the connection to Redis is down, and the client does not hold commands until it is back',
  ],
  [/ECONNREFUSED/i, "nothing answers on Redis's port: Redis is not running"],
  [/max retries|MaxRetriesPerRequest/i, 'the client gave up retrying while Redis was unreachable'],
  [/ETIMEDOUT|timed? ?out/i, 'Redis did not answer in time'],
  [/NOAUTH|WRONGPASS|invalid password/i, 'Redis refused the password'],
  [
    /subscriber mode|only (\(P\|S\)?SUBSCRIBE|\w*SUBSCRIBE).*allowed/i,
    'a connection in subscriber mode can only subscribe and unsubscribe (RESP2)',
  ],
  [
    /Connection is closed|ECONNRESET|EPIPE|socket (hang up|closed)|connection (lost|closed)/i,
    'the connection to Redis closed',
  ],
];

/** What went wrong, in plain words; the raw error belongs in the inspector. */
export function plainError(error: string): string {
  for (const [re, words] of PLAIN) if (re.test(error)) return words;
  return "Redis could not be reached (the client's own words are in the inspector)";
}
