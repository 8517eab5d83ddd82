/**
 * Counts include every socket, with its kind (issue 20): a socket.io-client that connects straight
 * to a server's port and says nothing of itself is counted as `outside`, in what the broadcast
 * was expected to reach and in what the servers delivered, beside the lab's own clients.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { reduceAll } from '../../trace/reducer.ts';
import { socketCounts } from '../../trace/socket-counts.ts';
import type { Deliver } from '../../trace/events.ts';
import { chatArrives } from '../support/chat-arrival.ts';
import { BACKENDS, closeAllLabs, makeLab } from '../support/lab-fixture.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('sockets counted by kind (%s)', (backend) => {
  it('counts an outside socket.io-client as outside, expected and delivered', async () => {
    const lab = await makeLab(backend, { servers: 2 });
    const made = await lab.api<{ id: string; server: string }[]>('POST', '/api/clients', {
      count: 2,
    });
    expect(made.status).toBe(201);
    // Straight to s2's port, with no labClient: a script, the seed's own page, a curious student.
    const outsider = await lab.client('s2');
    const text = `kinds ${Date.now()}`;
    const arrived = chatArrives(outsider, text);
    await lab.api('POST', `/api/clients/${made.body[0].id}/emit`, {
      event: 'chat message',
      args: [text],
    });
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
  });
});
