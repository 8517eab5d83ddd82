/**
 * Two labs in one process, as the tests run them: what one lab's taps know (the flows of its
 * work, the flow of every packet written to its reporting clients) is its own. Before each lab
 * had its own LabTapState, a module-level delivery log held every lab's sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLab, type TestLab } from '../support/lab-fixture.ts';
import type { LabEvent } from '../../trace/events.ts';
import { apiCalls } from '../../trace/api-calls.ts';

describe('two labs in one process', () => {
  let a: TestLab;
  let b: TestLab;
  beforeAll(async () => {
    // Different keys: two labs with one key on one Redis hear each other's broadcasts by design.
    a = await makeLab('redis', { servers: 2, key: 'two-labs-a' });
    b = await makeLab('redis', { servers: 2, key: 'two-labs-b' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  /** Makes two lab clients, has the first broadcast, and waits until both reported it. */
  async function chat(lab: TestLab, text: string): Promise<string[]> {
    const made = await lab.send(apiCalls.addClients({ count: 2 }));
    expect(made.status).toBe(201);
    const clients = made.body.map((c) => c.id);
    const received = clients.map((id) =>
      lab.waitForEvent((e) => e.kind === 'client.receive' && e.client === id && e.args[0] === text),
    );
    await lab.send(apiCalls.emit(clients[0], 'chat message', [text]));
    await Promise.all(received);
    return clients;
  }

  function socketsOf(lab: TestLab): Set<string> {
    return new Set(
      lab.events.flatMap((e: LabEvent) => (e.kind === 'client.connect' ? [e.socketId] : [])),
    );
  }

  function flowsOf(lab: TestLab): string[] {
    return lab.events.flatMap((e: LabEvent) =>
      'flow' in e && typeof e.flow === 'string' ? [e.flow] : [],
    );
  }

  it("keeps each lab's flows and deliveries in that lab alone", async () => {
    // Both at once, so their work interleaves in the one process.
    await Promise.all([chat(a, 'from lab a'), chat(b, 'from lab b')]);

    for (const [lab, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const id = lab.lab.labId;
      // Every receipt found its flow, and it is a flow of this lab.
      const receipts = lab.events.filter((e) => e.kind === 'client.receive');
      expect(receipts.length).toBeGreaterThanOrEqual(2);
      for (const r of receipts) expect(r.flow, JSON.stringify(r)).toMatch(new RegExp(`@${id}$`));
      // No flow of the other lab, no socket of the other lab.
      expect(flowsOf(lab).filter((f) => f.endsWith(`@${other.lab.labId}`))).toEqual([]);
      const mine = socketsOf(lab);
      const theirs = socketsOf(other);
      expect(mine.size).toBeGreaterThanOrEqual(2);
      // The delivery log of this lab names its own reporting sockets and none of the other's.
      const logged = lab.lab.feed.tapState.deliveries.entries().map(([socket]) => socket);
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(logged.filter((s) => theirs.has(s))).toEqual([]);
      expect(logged.filter((s) => !mine.has(s))).toEqual([]);
    }
    expect(a.lab.feed.tapState).not.toBe(b.lab.feed.tapState);
  });
});
