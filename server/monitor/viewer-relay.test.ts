import { describe, expect, it } from 'vitest';
import { envelopeFor } from './viewer-relay.ts';
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
