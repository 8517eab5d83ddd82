/**
 * Chat traffic in a test lab: a lab client says something through the API, and a test socket
 * waits for it to arrive.
 */
import { expect } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestLab } from './lab-fixture.ts';

/**
 * Resolves when `text` arrives as a chat message on `socket`: the time it came, and the event's
 * arguments (with connection state recovery on, the entry id comes last).
 */
export function arrival(
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

/** Lab client `client` (c1 unless told) says `text`; answers the flow id. */
export async function say(lab: TestLab, text: string, client = 'c1'): Promise<string> {
  const emitted = lab.waitForEvent(
    (e) => e.kind === 'client.emit' && e.client === client && e.args?.[0] === text,
  );
  const res = await lab.api('POST', `/api/clients/${client}/emit`, {
    event: 'chat message',
    args: [text],
  });
  expect(res.status).toBeLessThan(300);
  return (await emitted).flow!;
}
