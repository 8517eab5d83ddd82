/**
 * A full class: 200 phone-equivalent clients (the phone page's PhoneLink, from Node) join through
 * POST /api/join, each opening its own connections to the hub and to its server, as 200 phones
 * would. All are placed, spread over the servers, and all receive a message one of them sends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { PhoneLink } from '../../web/src/join/phone-link.ts';
import { BACKENDS, closeAllLabs, makeLab, until } from '../support/lab-fixture.ts';
import { makePhone } from '../support/phones.ts';
import { apiCalls } from '../../trace/api-calls.ts';

const PHONES = 200;

afterAll(closeAllLabs);

describe.each(BACKENDS)('a class of 200 phones (%s)', (backend) => {
  it('places all 200 round-robin, and every phone gets a message one of them sends', async () => {
    const lab = await makeLab(backend, { host: '0.0.0.0', classroom: {} });
    const phones: PhoneLink[] = [];
    try {
      // Twenty at a time, as a class scanning a QR code does, more or less.
      for (let i = 0; i < PHONES; i += 20) {
        const batch = Array.from({ length: 20 }, () => makePhone(lab.url));
        const errors = await Promise.all(batch.map((p, k) => p.join(`Student ${i + k + 1}`)));
        expect(errors.filter(Boolean)).toEqual([]);
        phones.push(...batch);
      }
      await until(() => phones.every((p) => p.state === 'connected'), 30_000, 'all connected');
      const info = (await lab.send(apiCalls.lab())).body;
      expect(info.class!.students).toHaveLength(PHONES);
      expect(info.class!.students.every((s) => s.state === 'connected')).toBe(true);
      const perServer = info.servers.map((s) => s.clients);
      expect(perServer.reduce((a, b) => a + b, 0)).toBe(PHONES);
      expect(Math.max(...perServer) - Math.min(...perServer)).toBeLessThanOrEqual(1);

      phones[0].send('roll call');
      await until(
        () => phones.every((p) => p.received.some((m) => m.text === 'roll call')),
        30_000,
        'every phone received the roll call',
      );
      const vias = new Set(phones.map((p) => p.received[0].via));
      expect(vias).toEqual(new Set(['s1', 's2', 's3']));
      expect(phones[199].received[0]).toMatchObject({
        name: 'Student 1',
        from: phones[0].me!.server,
      });

      const full = await lab.refusal(apiCalls.join('One more'));
      expect([full.status, full.body.error]).toEqual([409, expect.stringMatching(/class is full/)]);
    } finally {
      for (const p of phones) p.close();
    }
  }, 120_000);
});
