/**
 * Waiting for what a lab's clients and servers do, for the suites that cut, freeze or slow a
 * server's link to Redis: c1 saying something, a chat message arriving, a server's sub connection subscribed again.
 */
import { expect } from 'vitest';
import type { Socket } from 'socket.io-client';
import { until, type TestLab } from './lab-fixture.ts';
import { apiCalls } from '../../trace/api-calls.ts';

/** Resolves with the time `text` arrives as a chat message on `socket` (others may come first). */
export function chatArrives(socket: Socket, text: string, timeoutMs = 15_000): Promise<number> {
  return chatArgs(socket, text, timeoutMs).then(({ at }) => at);
}

/**
 * The same, with the event's arguments too: with connection state recovery on (the streams
 * adapter), the entry id comes last.
 */
export function chatArgs(
  socket: Socket,
  text: string,
  timeoutMs = 15_000,
): Promise<{ at: number; args: unknown[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('chat message', on);
      reject(new Error(`"${text}" did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: unknown[]) => {
      if (args[0] !== text) return;
      clearTimeout(timer);
      socket.off('chat message', on);
      resolve({ at: Date.now(), args });
    };
    socket.on('chat message', on);
  });
}

/** `server`'s sub connection is on Redis and pattern-subscribed; answers its CLIENT ID. */
export async function subscribedAgain(lab: TestLab, server: string): Promise<string> {
  const name = `${server}:sub@${lab.lab.labId}`;
  let id = '';
  await until(
    async () => {
      const line = ((await lab.admin.call('CLIENT', 'LIST')) as string)
        .split('\n')
        .find((l) => l.includes(`name=${name} `) && /\bpsub=[1-9]/.test(l));
      id = /(?:^| )id=(\d+)/.exec(line ?? '')?.[1] ?? '';
      return id !== '';
    },
    15_000,
    `${server}:sub subscribed again`,
  );
  return id;
}

/** c1 (on s1) says `text` in the chat; answers the flow id. */
export async function say(lab: TestLab, text: string): Promise<string> {
  // The trace keeps the first 500 characters of a long text.
  const head = text.slice(0, 400);
  const emitted = lab.waitForEvent(
    (e) => e.kind === 'client.emit' && e.client === 'c1' && String(e.args?.[0]).startsWith(head),
  );
  const res = await lab.send(apiCalls.emit('c1', 'chat message', [text]));
  expect(res.status).toBeLessThan(300);
  return (await emitted).flow!;
}
