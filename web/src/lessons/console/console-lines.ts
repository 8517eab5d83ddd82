/**
 * The Redis console's text: a typed line split into a command's words (with "quoted words"),
 * and each line of a connection's transcript in redis-cli's manner. Pure, for the panel.
 */
import { plural } from '../../../../trace/plural.ts';
import { replyText } from './sidecar-narration.ts';

// The reply types of `GET /api/redis/console`, where the control API's calls are typed.
import type { ConsoleConnectionState, ConsoleRecord } from '../../../../trace/api-calls.ts';
export type { ConsoleConnectionState, ConsoleRecord };

/** Splits `PUBLISH news "hello world"` into its words; an open quote is an error. */
export function parseCommandLine(line: string): string[] | { error: string } {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^\s"]\S*)/g;
  const rest = line.replace(re, (_m, quoted: string | undefined, bare: string | undefined) => {
    words.push(quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!);
    return '';
  });
  if (rest.includes('"')) return { error: 'A quote is not closed.' };
  if (words.length === 0) return { error: 'Type a command, e.g. SUBSCRIBE news.' };
  return words;
}

function quote(word: string): string {
  return /[\s"]/.test(word) || word === '' ? JSON.stringify(word) : word;
}

/** What a transcript line shows: who spoke, and the text. */
export function consoleText(line: ConsoleRecord): {
  who: 'you' | 'redis' | 'push' | 'note';
  text: string;
} {
  const said = lineText(line);
  // On a Redis Cluster every line names its node: which one the command went to, which answered.
  return line.node ? { ...said, text: `${line.node}› ${said.text}` } : said;
}

function lineText(line: ConsoleRecord): { who: 'you' | 'redis' | 'push' | 'note'; text: string } {
  switch (line.dir) {
    case 'command':
      return { who: 'you', text: [line.command ?? '', ...(line.args ?? [])].map(quote).join(' ') };
    case 'reply':
      return { who: 'redis', text: line.error ? `(error) ${line.error}` : replyText(line.value) };
    case 'message':
      return { who: 'push', text: replyText(line.value) };
    case 'closed':
      return { who: 'note', text: `connection closed${line.error ? `: ${line.error}` : ''}` };
  }
}

/** "2 subscriptions: news, n*" or "not subscribed", for a connection's heading. */
export function subscriptionSummary(c: ConsoleConnectionState): string {
  if (!c.open || !c.subscriptions) return 'not connected yet';
  const s = c.subscriptions;
  const names = [...s.channels, ...s.patterns, ...s.shardChannels];
  const resp = `RESP${c.protocol}`;
  if (names.length === 0) return `${resp}, not subscribed`;
  return `${resp}, ${plural(names.length, 'subscription')}: ${names.join(', ')}`;
}
