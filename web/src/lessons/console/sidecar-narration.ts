/**
 * One sentence for the events of the parts beside the lab's servers: the Redis console and the
 * plain app. Kept here, beside the lessons that use them, so the stage's narration stays small.
 */
import type { ConsoleLine, PlainApp } from '../../../../trace/events.ts';

function quoted(words: readonly string[] = []): string {
  return words.map((w) => (/[\s"]/.test(w) || w === '' ? JSON.stringify(w) : w)).join(' ');
}

/** A reply as redis-cli would print it on one line. */
export function replyText(value: unknown): string {
  if (value === null || value === undefined) return '(nil)';
  if (Array.isArray(value)) return `[${value.map(replyText).join(', ')}]`;
  if (typeof value === 'number') return `(integer) ${value}`;
  return JSON.stringify(String(value));
}

function consoleLine(e: ConsoleLine): string {
  const said = consoleSays(e);
  // On a Redis Cluster: which node the socket talks to, so the class sees who answered.
  return e.node ? `${said.replace(/\.$/, '')} (node ${e.node}).` : said;
}

function consoleSays(e: ConsoleLine): string {
  const who = `Console ${e.connection}`;
  switch (e.dir) {
    case 'command':
      return `${who} sent ${quoted([e.command ?? '', ...(e.args ?? [])])}.`;
    case 'reply':
      return e.error
        ? `Redis refused ${e.command} on ${who}: ${e.error}`
        : `Redis answered ${e.command} on ${who}: ${replyText(e.value)} (${e.resp}).`;
    case 'message': {
      const [, ...rest] = Array.isArray(e.value) ? (e.value as unknown[]).map(String) : [];
      const [pattern, channel, payload] = rest.length === 3 ? rest : [undefined, ...rest];
      return `Redis pushed a message to ${who}: ${JSON.stringify(payload ?? '')} on ${channel}${pattern ? ` through the pattern ${pattern}` : ''}.`;
    }
    case 'closed':
      return `${who}'s connection to Redis closed${e.error ? `: ${e.error}` : ''}; Redis dropped its subscriptions.`;
  }
}

function plainAppLine(e: PlainApp): string {
  switch (e.what) {
    case 'started':
      return `The plain app (pid ${e.pid}) listens on port ${e.port}, ${e.guard ? 'with' : 'without'} error handlers, offline queue ${e.offlineQueue ? 'on' : 'off'}.`;
    case 'output':
      return `The plain app printed: ${e.text ?? ''}`;
    case 'received':
      return `The plain app's client received its chat message: ${JSON.stringify(e.text ?? '')}.`;
    case 'exited':
      return e.signal
        ? `The plain app ended on ${e.signal}.`
        : `The plain app died with exit code ${e.code}${e.text ? `: ${e.text}` : ''}.`;
  }
}

export function narrateSidecar(e: ConsoleLine | PlainApp): string {
  return e.kind === 'console' ? consoleLine(e) : plainAppLine(e);
}
