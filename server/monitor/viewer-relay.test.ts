import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { envelopeFor, sendToViewers } from './viewer-relay.ts';
import type { Envelope, LabEvent } from '../../trace/events.ts';

const base = { seq: 1, t: 1, server: 's1', step: 8 as const };
const envelope: Envelope = {
  v: 1,
  from: 's1',
  events: [
    {
      ...base,
      kind: 'publish',
      command: 'PUBLISH',
      channel: 'socket.io#/#',
      bytes: 40,
      pubId: 1,
      flow: 's1-1',
    },
    { ...base, seq: 2, kind: 'counters', publishes: 1, receipts: {}, deliveries: 0, skipped: 0 },
  ] as LabEvent[],
};

describe('envelopeFor', () => {
  it('passes the batch through untouched to a normal viewer', () => {
    expect(envelopeFor(envelope, { plumbing: false, slow: false }, 'lab:monitor')).toBe(envelope);
  });

  it('gives a slow viewer only the counters, and says the detail is sampled', () => {
    const out = envelopeFor(envelope, { plumbing: false, slow: true })!;
    expect(out.events.map((e) => e.kind)).toEqual(['counters']);
    expect(out.sampled).toBe(true);
  });

  it('adds the PUBLISH that carried the batch, marked as plumbing, for a viewer who asks', () => {
    const out = envelopeFor(envelope, { plumbing: true, slow: false }, 'lab:monitor')!;
    expect(out.events).toHaveLength(3);
    expect(out.events[2]).toMatchObject({
      kind: 'publish',
      plumbing: true,
      channel: 'lab:monitor',
      server: 's1',
    });
    expect((out.events[2] as { bytes: number }).bytes).toBe(
      Buffer.byteLength(JSON.stringify(envelope)),
    );
  });

  it('sends nothing when nothing is left', () => {
    const detailOnly: Envelope = { ...envelope, events: [envelope.events[0]] };
    expect(envelopeFor(detailOnly, { plumbing: false, slow: true })).toBeNull();
  });
});

describe('sendToViewers', () => {
  it('sends the pre-encoded batch as Socket.IO would, and a changed batch to a plumbing viewer', async () => {
    const httpServer = http.createServer();
    const io = new Server(httpServer);
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/lab`;
    const viewers: ClientSocket[] = [
      connect(url, { transports: ['websocket'] }),
      connect(url, { transports: ['websocket'], query: { plumbing: '1' } }),
    ];
    try {
      const nsp = io.of('/lab');
      const joined = new Promise<void>((resolve) =>
        nsp.on('connection', () => nsp.sockets.size === 2 && resolve()),
      );
      await joined;
      const got = viewers.map((v) => new Promise<Envelope>((r) => v.once('trace', r)));
      sendToViewers(nsp, envelope, 'lab:monitor', JSON.stringify(envelope));
      const [plain, plumbing] = await Promise.all(got);
      expect(plain).toEqual(envelope);
      expect(plumbing.events.map((e) => e.kind)).toEqual(['publish', 'counters', 'publish']);
      expect(plumbing.events[2]).toMatchObject({ plumbing: true });
    } finally {
      viewers.forEach((v) => v.disconnect());
      await io.close();
    }
  });
});
