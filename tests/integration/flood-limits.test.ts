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

describe.each(BACKENDS)('flood limits (%s)', (backend) => {
  it('125 sockets from one address get one address burst through, and others are not held up', async () => {
    const lab = await makeLab(backend, { servers: 2 });
    const s1 = lab.lab.server('s1').port;
    const flood = Array.from({ length: 125 }, () => clientFrom('127.0.0.1', s1));
    const marker = clientFrom('127.0.0.2', s1);
    const observer = clientFrom('127.0.0.3', lab.lab.server('s2').port);
    const all = [...flood, marker, observer];
    try {
      await Promise.all(all.map((s) => nextEvent(s, 'connect', 20_000)));
      let got = 0;
      const markerArrived = new Promise<number>((resolve) =>
        observer.on('chat message', (msg: unknown) => {
          if (msg === 'marker') resolve(performance.now());
          else got++;
        }),
      );
      // Each socket sends its whole per-socket burst at once: 125 x 40 = 5,000 messages.
      const perSocketBurst = DEFAULT_CLIENT_RATE * 2;
      for (const s of flood) for (let i = 0; i < perSocketBurst; i++) s.emit('chat message', i);
      const sent = performance.now();
      marker.emit('chat message', 'marker');
      const latency = (await markerArrived) - sent;
      // What one address may get through: its burst, plus what refills while the flood arrives.
      const addressBurst = DEFAULT_ADDRESS_RATE * 2;
      expect(got).toBeGreaterThan(0);
      expect(got).toBeLessThanOrEqual(addressBurst + DEFAULT_ADDRESS_RATE * 2);
      // The well-behaved client from another address is not queued behind the flood.
      expect(latency).toBeLessThan(3000);
    } finally {
      for (const s of all) s.disconnect();
      await lab.close();
    }
  });
});
