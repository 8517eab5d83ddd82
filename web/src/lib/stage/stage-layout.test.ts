import { describe, expect, it } from 'vitest';
import { layoutStage, linkPath, pointOnLink } from './stage-layout.ts';

const servers = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}` }));
const clients = (n: number, servers: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, server: `s${(i % servers) + 1}` }));

describe('layoutStage', () => {
  it.each([
    [1, 0],
    [3, 6],
    [10, 200],
  ])('%d servers, %d clients: clients left of servers, servers left of Redis', (ns, nc) => {
    const l = layoutStage({
      width: 1000,
      height: 600,
      servers: servers(ns),
      clients: clients(nc, ns),
    });
    expect(l.servers).toHaveLength(ns);
    for (const s of l.servers) {
      expect(s.x + s.w / 2).toBeLessThan(l.redis.x);
      expect(s.y - s.h / 2).toBeGreaterThanOrEqual(0);
      expect(s.y + s.h / 2).toBeLessThanOrEqual(600);
      // Two separate lines: pub above sub, at both ends.
      expect(s.pub.y).toBeLessThan(s.sub.y);
      expect(s.redisPub.y).toBeLessThan(s.redisSub.y);
    }
    for (const c of l.clients) expect(c.x).toBeLessThan(l.servers[0].left.x);
    // Every client is drawn as a dot or inside a group.
    expect(Object.keys(l.clientNode)).toHaveLength(nc);
  });

  it('servers come top to bottom in order without overlapping', () => {
    const l = layoutStage({ width: 1280, height: 500, servers: servers(10), clients: [] });
    for (let i = 1; i < l.servers.length; i++) {
      const above = l.servers[i - 1];
      const s = l.servers[i];
      expect(s.y - s.h / 2).toBeGreaterThanOrEqual(above.y + above.h / 2 - 0.01);
    }
  });

  it.each([
    [8, [], 8, 0],
    [9, [], 0, 1],
    [9, ['s1'], 9, 0],
    [200, ['s1'], undefined, 1],
  ])('%d clients on one server, unfolded %j: %s dots, %d groups', (n, expanded, dots, groups) => {
    const l = layoutStage({
      width: 1000,
      height: 400,
      servers: servers(1),
      clients: clients(n, 1),
      expanded,
    });
    const d = l.clients.filter((c) => c.kind === 'client').length;
    const g = l.clients.filter((c) => c.kind === 'group');
    if (dots !== undefined) expect(d).toBe(dots);
    expect(g).toHaveLength(groups);
    if (groups) expect(d + g.reduce((a, x) => a + (x.kind === 'group' ? x.count : 0), 0)).toBe(n);
  });

  it('is compact at phone width', () => {
    const l = layoutStage({
      width: 390,
      height: 500,
      servers: servers(3),
      clients: clients(30, 3),
    });
    expect(l.compact).toBe(true);
    for (const s of l.servers) expect(s.x + s.w / 2).toBeLessThan(l.redis.x);
  });
});

describe('links', () => {
  const a = { x: 0, y: 0 };
  const b = { x: 100, y: 50 };
  it('starts and ends at the endpoints, like the D3 path', () => {
    expect(pointOnLink(a, b, 0)).toEqual(a);
    expect(pointOnLink(a, b, 1)).toEqual(b);
    expect(pointOnLink(a, b, 0.5)).toEqual({ x: 50, y: 25 });
    expect(linkPath(a, b)).toBe('M0,0C50,0,50,50,100,50');
  });
});
