/**
 * What the stage's shapes and colours mean: the legend under the stage and the `?` overlay
 * both read this one list, so they never disagree with what particle-paint.ts draws.
 */
export type LegendSymbol =
  | 'frame'
  | 'publish'
  | 'fanout'
  | 'reply'
  | 'deliver'
  | 'check'
  | 'own'
  | 'drop'
  | 'lost'
  | 'pub-line'
  | 'sub-line'
  | 'down-line'
  | 'channel'
  | 'pattern';

export interface LegendItem {
  symbol: LegendSymbol;
  /** Short, for the legend on the stage. */
  short: string;
  /** Longer, for the `?` overlay. */
  long: string;
}

export const LEGEND: readonly LegendItem[] = [
  { symbol: 'frame', short: 'WebSocket frame', long: 'a WebSocket frame, client ↔ server' },
  { symbol: 'publish', short: 'PUBLISH', long: "PUBLISH (or SPUBLISH) on a server's pub line" },
  {
    symbol: 'fanout',
    short: 'copy from Redis',
    long: "Redis hands a copy down a server's sub line",
  },
  { symbol: 'reply', short: "Redis's answer", long: "Redis's answer: how many connections got it" },
  { symbol: 'deliver', short: 'delivery', long: 'a server writes the message to a socket' },
  { symbol: 'check', short: 'delivered', long: "delivered (to a server's sockets, or a client)" },
  { symbol: 'own', short: 'own message', long: 'its own message: the sender drops it by uid' },
  { symbol: 'drop', short: 'dropped', long: 'dropped: no member in the room, or not for it' },
  { symbol: 'lost', short: 'lost', long: 'lost: a server or Redis was down' },
  { symbol: 'pub-line', short: 'pub', long: 'the pub connection' },
  {
    symbol: 'sub-line',
    short: 'sub',
    long: 'the sub connection (a duplicate()), where copies come',
  },
  { symbol: 'down-line', short: 'down', long: 'a connection that is down' },
  { symbol: 'channel', short: 'channel', long: 'a channel in Redis (what PUBLISH names)' },
  {
    symbol: 'pattern',
    short: 'pattern',
    long: 'a pattern in Redis (PSUBSCRIBE): it matches channels',
  },
];
