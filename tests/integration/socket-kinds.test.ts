/**
 * Counts include every socket, with its kind (issue 20): a socket.io-client that connects straight
 * to a server's port and says nothing of itself is counted as `outside`, in what the broadcast
 * was expected to reach and in what the servers delivered, beside the lab's own clients.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { apiCalls } from '../../trace/api-calls.ts';
import { reduceAll } from '../../trace/reducer.ts';
import { socketCounts } from '../../trace/socket-counts.ts';
import type { Deliver, LabEvent } from '../../trace/events.ts';
import { chatArrives } from '../support/chat-arrival.ts';
import { BACKENDS, closeAllLabs, makeLab } from '../support/lab-fixture.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('sockets counted by kind (%s)', (backend) => {
  it('counts an outside socket.io-client as outside, expected and delivered', async () => {
    const lab = await makeLab(backend, { servers: 2 });
    const made = await lab.send(apiCalls.addClients({ count: 2 }));
    expect(made.status).toBe(201);
    // Straight to s2's port, with no labClient: a script, the seed's own page, a curious student.
    const outsider = await lab.client('s2');
    const text = `kinds ${Date.now()}`;
    const arrived = chatArrives(outsider, text);
    await lab.send(apiCalls.emit(made.body[0].id, 'chat message', [text]));
    await arrived;
    const flowOf = (e: { flow?: string }) => e.flow;
    // Both servers delivered it (s1 locally, s2 from Redis): wait for each one's report.
    const first = (await lab.waitForEvent(
      (e) => e.kind === 'deliver' && e.event === 'chat message',
      { past: true },
    )) as Deliver;
    for (const server of ['s1', 's2'])
      await lab.waitForEvent(
        (e) => e.kind === 'deliver' && e.server === server && flowOf(e) === first.flow,
        { past: true },
      );

    const state = reduceAll(lab.events);
    const flow = state.flows[first.flow!];
    const counts = socketCounts(state, flow);
    const outsideSocket = Object.values(state.sockets).find((s) => s.id === outsider.id);
    expect(outsideSocket?.kind).toBe('outside');
    expect(counts.delivered).toEqual({ total: 3, kinds: { lab: 2, outside: 1 } });
    expect(counts.expected).toEqual({ total: 3, kinds: { lab: 2, outside: 1 } });

    // Afterwards another outside socket connects and a lab client goes: what the broadcast was
    // expected to reach was fixed when it was emitted.
    const later = await lab.client('s1');
    const removed = await lab.send(apiCalls.removeClient(made.body[1].id));
    expect(removed.status).toBe(200);
    for (const pred of [
      (e: LabEvent) => e.kind === 'client.connect' && e.socketId === later.id,
      (e: LabEvent) => e.kind === 'client.disconnect' && e.client === made.body[1].id,
    ])
      await lab.waitForEvent(pred, { past: true });
    const now = reduceAll(lab.events);
    expect(Object.values(now.sockets).filter((s) => s.connected)).toHaveLength(3);
    expect(socketCounts(now, now.flows[first.flow!]).expected).toEqual(counts.expected);
  });
});
