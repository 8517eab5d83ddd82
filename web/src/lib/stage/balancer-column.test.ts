import { describe, expect, it } from 'vitest';
import { balancerName } from './balancer-column.ts';
import { serversWithClients, stageOf } from './stage-fixture.ts';
import { approxMeasure } from './text-measure.ts';

describe('the balancer column', () => {
  it.each([
    [3, 6, 720, 400],
    [3, 6, 620, 330],
    [3, 6, 380, 450],
    [10, 30, 620, 484],
    [10, 20, 380, 514],
  ])(
    '%d servers, %d clients on %dx%d units: between the clients and the servers, with room for answers',
    (ns, nc, width, height) => {
      const { layout } = stageOf(serversWithClients(ns, nc), { width, height, balancer: true });
      const bar = layout.balancer!;
      const F = layout.font;
      const clientsRight = Math.max(
        ...layout.clients.map((c) => (c.kind === 'group' ? c.x + c.w / 2 : c.x + c.r)),
      );
      const serversLeft = Math.min(...layout.servers.map((s) => s.left.x));
      expect(bar.x - bar.w / 2).toBeGreaterThan(clientsRight);
      // A status and a refusal count (`400`, `✕12`) fit between the bar and every server.
      expect(serversLeft - bar.textX).toBeGreaterThanOrEqual(approxMeasure('400', 'sans', F));
      // The name, written upwards, is as tall as a label and fits inside the bar.
      expect(bar.w).toBeGreaterThanOrEqual(1.3 * F);
      // Each server's answer (above its line) and count (below) stay inside its band.
      for (const s of layout.servers) {
        expect(bar.ends[s.id].from.y - 1.35 * F).toBeGreaterThanOrEqual(s.band[0] - 0.01);
        expect(bar.ends[s.id].from.y + 1.25 * F).toBeLessThanOrEqual(s.band[1] + 0.01);
      }
      expect(layout.redis.x).toBeGreaterThan(Math.max(...layout.servers.map((s) => s.x + s.w / 2)));
    },
  );

  it('is not there without a balancer, and takes no room', () => {
    const without = stageOf(serversWithClients(3, 6)).layout;
    expect(without.balancer).toBeUndefined();
    const withIt = stageOf(serversWithClients(3, 6), { balancer: true }).layout;
    expect(withIt.servers[0].left.x).toBeGreaterThan(without.servers[0].left.x);
  });

  it('names itself as fully as the bar is tall', () => {
    const b = { kind: 'nginx' as const, mode: 'round-robin', port: 4080 };
    expect(balancerName(b, 400, 14, approxMeasure)).toBe('nginx · round-robin · :4080');
    expect(balancerName(b, 200, 14, approxMeasure)).toBe('round-robin · :4080');
    expect(balancerName({ ...b, kind: 'node' }, 400, 14, approxMeasure)).toBe(
      'Node proxy · round-robin · :4080',
    );
    expect(balancerName(b, 20, 14, approxMeasure)).toBe('');
  });
});
