import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import {
  consoleText,
  parseCommandLine,
  subscriptionSummary,
  type ConsoleConnectionState,
} from './console-lines.ts';
import ConsoleConnection from './ConsoleConnection.svelte';

describe('the Redis console', () => {
  it('splits a typed line into words, quotes kept together', () => {
    expect(parseCommandLine('  PUBLISH news   hello ')).toEqual(['PUBLISH', 'news', 'hello']);
    expect(parseCommandLine('PUBLISH news "hello world"')).toEqual([
      'PUBLISH',
      'news',
      'hello world',
    ]);
    expect(parseCommandLine('PUBLISH news "say \\"hi\\""')).toEqual([
      'PUBLISH',
      'news',
      'say "hi"',
    ]);
    expect(parseCommandLine('PUBLISH news "open')).toEqual({ error: 'A quote is not closed.' });
    expect(parseCommandLine('   ')).toMatchObject({
      error: expect.stringContaining('Type a command'),
    });
  });

  it('shows each line as redis-cli would, messages and errors included', () => {
    const at = { connection: 'A', t: 0 };
    expect(consoleText({ ...at, dir: 'command', command: 'PUBLISH', args: ['news', 'a b'] })).toEqual({ who: 'you', text: 'PUBLISH news "a b"' });
    expect(consoleText({ ...at, dir: 'reply', command: 'PUBLISH', value: 2 }).text).toBe('(integer) 2');
    // On a Redis Cluster the line names the node that answered.
    expect(consoleText({ ...at, node: 'n3', dir: 'reply', command: 'SPUBLISH', value: 1 }).text).toBe('n3› (integer) 1');
    expect(consoleText({ ...at, dir: 'reply', command: 'SUBSCRIBE', value: ['subscribe', 'news', 1] }).text).toBe('["subscribe", "news", (integer) 1]');
    expect(consoleText({ ...at, dir: 'reply', command: 'PUBLISH', error: "ERR Can't execute" }).text).toBe("(error) ERR Can't execute");
    expect(consoleText({ ...at, dir: 'message', value: ['message', 'news', 'hi'] })).toEqual({ who: 'push', text: '["message", "news", "hi"]' });
    expect(consoleText({ ...at, dir: 'closed', error: 'ECONNREFUSED' }).text).toBe('connection closed: ECONNREFUSED');
  }); // prettier-ignore

  const conn = (over: Partial<ConsoleConnectionState>): ConsoleConnectionState => ({
    name: 'A',
    open: true,
    protocol: 2,
    subscriptions: { channels: [], patterns: [], shardChannels: [] },
    skippedMonitorMessages: 0,
    lines: [],
    ...over,
  });

  it('says what a connection holds', () => {
    expect(subscriptionSummary(conn({ open: false, subscriptions: null }))).toBe('not connected yet');
    expect(subscriptionSummary(conn({}))).toBe('RESP2, not subscribed');
    expect(
      subscriptionSummary(conn({ protocol: 3, subscriptions: { channels: ['news'], patterns: ['n*'], shardChannels: [] } })),
    ).toBe('RESP3, 2 subscriptions: news, n*');
  }); // prettier-ignore

  it('renders what Redis sent as text, never as HTML', () => {
    const lines = [{ connection: 'A', dir: 'message' as const, value: ['message', 'x', '<img src=x onerror=alert(1)>'], t: 0 }];
    const { container } = render(ConsoleConnection, { props: { connection: conn({ lines }), target: true } });
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  }); // prettier-ignore
});
