/**
 * Issue 19, defect 8: a flood limit per socket alone lets one client open many sockets and push
 * each one's whole burst through. The servers also limit each address. Loopback has many
 * addresses (127.0.0.0/8), so one test machine plays a flooder and two well-behaved clients.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { BACKENDS, closeAllLabs, makeLab, nextEvent } from '../support/lab-fixture.ts';
import { DEFAULT_ADDRESS_RATE, DEFAULT_CLIENT_RATE } from '../../server/rate-limit.ts';

afterAll(closeAllLabs);

function clientFrom(address: string, port: number): Socket {
  return connect(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    localAddress: address,
    reconnection: false,
  } as Parameters<typeof connect>[1]);
}

/** Sends `whoami` with an ack; resolves with when the ack came, or null when it never did. */
function whoami(socket: Socket, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) =>
    socket
      .timeout(timeoutMs)
      .emit('whoami', (err: Error | null) => resolve(err ? null : performance.now())),
  );
}

describe.each(BACKENDS)('flood limits (%s)', (backend) => {
  it('125 sockets from one address get one address burst through, and others are not held up', async () => {
    const lab = await makeLab(backend, { servers: 1 });
    const port = lab.lab.server('s1').port;
    const flood = Array.from({ length: 125 }, () => clientFrom('127.0.0.1', port));
    const other = clientFrom('127.0.0.2', port);
    try {
      await Promise.all([...flood, other].map((s) => nextEvent(s, 'connect', 20_000)));
      // Each socket sends its whole per-socket burst at once: 125 x 40 = 5,000 events. An event
      // the server lets through is answered (whoami acks); one it drops never is.
      const perSocketBurst = DEFAULT_CLIENT_RATE * 2;
      const started = performance.now();
      const answers = flood.flatMap((s) =>
        Array.from({ length: perSocketBurst }, () => whoami(s, 5000)),
      );
      // A client at another address asks in the middle of it.
      const asked = performance.now();
      const answered = await whoami(other, 5000);
      const through = (await Promise.all(answers)).filter((t): t is number => t !== null);
      // A token bucket lets through at most its burst, plus what refills meanwhile: the
      // address's, however many sockets share it.
      const seconds = (Math.max(...through) - started) / 1000;
      const bound = DEFAULT_ADDRESS_RATE * 2 + DEFAULT_ADDRESS_RATE * seconds;
      console.log(
        `flood (${backend}): ${through.length} of ${answers.length} through in ${seconds.toFixed(2)} s (bound ${Math.round(bound)}); the other address answered in ${Math.round(answered! - asked)} ms`,
      );
      expect(through.length).toBeGreaterThanOrEqual(DEFAULT_ADDRESS_RATE * 2);
      expect(through.length).toBeLessThanOrEqual(bound);
      expect(answered).not.toBeNull();
      expect(answered! - asked).toBeLessThan(3000);
    } finally {
      for (const s of [...flood, other]) s.disconnect();
      await lab.close();
    }
  });
});
