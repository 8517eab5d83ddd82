import { describe, expect, it } from 'vitest';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { curvePath, link, pointOn } from './curves.ts';
import { serversWithClients, stageOf, threeServers } from './stage-fixture.ts';
import { layoutStage, markBox, type StageLayout } from './stage-layout.ts';
import { approxMeasure } from './text-measure.ts';

type Box = { x: number; y: number; w: number; h: number };
const inside = (a: Box, b: Box) =>
  a.x >= b.x - 0.01 &&
  a.y >= b.y - 0.01 &&
  a.x + a.w <= b.x + b.w + 0.01 &&
  a.y + a.h <= b.y + b.h + 0.01;
const apart = (a: Box, b: Box) =>
  a.x + a.w <= b.x + 0.01 ||
  b.x + b.w <= a.x + 0.01 ||
  a.y + a.h <= b.y + 0.01 ||
  b.y + b.h <= a.y + 0.01;
const serverBox = (s: StageLayout['servers'][number]): Box => ({
  x: s.x - s.w / 2,
  y: s.y - s.h / 2,
  w: s.w,
  h: s.h,
});

/** Everything on the stage, its boxes, and the text in them, where the page would find overlaps. */
function checkLayout(l: StageLayout) {
  const stage = { x: 0, y: 0, w: l.width, h: l.height };
  const F = l.font;
  expect(inside(l.redis, stage)).toBe(true);
  for (const s of l.servers) {
    const box = serverBox(s);
    expect(inside(box, stage)).toBe(true);
    expect(box.x + box.w).toBeLessThan(l.redis.x);
    for (const r of s.rows) {
      const w = approxMeasure(r.text + (r.port ?? ''), r.kind === 'title' ? 'bold' : 'sans', F);
      expect(w, `${s.id}: "${r.text}" fits its box`).toBeLessThanOrEqual(s.w - 1.2 * F + 0.01);
    }
  }
  for (let i = 1; i < l.servers.length; i++)
    expect(apart(serverBox(l.servers[i - 1]), serverBox(l.servers[i]))).toBe(true);
  for (const c of l.clients) {
    const x = c.kind === 'group' ? c.x + c.w / 2 : c.x;
    expect(x).toBeLessThan(l.servers[0].left.x);
  }
  // A hop's mark (a receipt's ring and its ✓) covers no count and no label.
  const words: Box[] = [...l.servers.map(serverBox)];
  for (const c of l.clients) {
    if (c.kind === 'group') words.push({ x: c.x - c.w / 2, y: c.y - c.h / 2, w: c.w, h: c.h });
    else if (c.labelled)
      words.push({ x: c.hit.x, y: c.y - F / 2, w: approxMeasure(c.id, 'sans', F), h: F });
  }
  if (l.balancer)
    words.push({ x: l.balancer.x - l.balancer.w / 2, y: 0, w: l.balancer.w, h: l.height });
  for (const c of l.clients) {
    const mark = markBox(c.at, F);
    for (const w of words) expect(apart(mark, w), `${c.id}'s mark covers a word`).toBe(true);
  }
  for (const n of l.redis.nodes) {
    expect(inside(n, l.redis)).toBe(true);
    expect(approxMeasure(n.label, 'mono', F)).toBeLessThanOrEqual(n.w);
  }
  for (let i = 1; i < l.redis.nodes.length; i++)
    expect(apart(l.redis.nodes[i - 1], l.redis.nodes[i])).toBe(true);
}

describe('layoutStage', () => {
  it.each([
    [1, 0, 720, 400],
    [3, 6, 720, 400],
    [3, 6, 620, 330],
    [3, 6, 380, 450],
    [3, 6, 1400, 800],
    [10, 30, 720, 554],
    [10, 200, 620, 484],
    [10, 20, 380, 528],
  ])(
    '%d servers, %d clients on %dx%d units: columns in order, nothing overlaps or spills',
    (ns, nc, width, height) => {
      const { layout } = stageOf(serversWithClients(ns, nc), { width, height });
      expect(layout.servers).toHaveLength(ns);
      expect(Object.keys(layout.clientNode)).toHaveLength(nc);
      expect(layout.compact).toBe(width < 520);
      checkLayout(layout);
    },
  );

  it("draws each server's subscription table as lines: pub to the channel, sub to what it listens on", () => {
    const { layout } = stageOf(threeServers());
    const at = (id: string) => layout.nodes[id].anchor;
    for (const s of ['s1', 's2', 's3']) {
      const mine = layout.lines.filter((l) => l.server === s);
      expect(mine.map((l) => [l.id, l.node, l.main])).toEqual([
        [`pub:${s}`, 'channel:socket.io#/#', true],
        [`sub:${s}`, 'pattern:socket.io#/#*', true],
        [`sub:${s}@channel:socket.io-request#/#`, 'channel:socket.io-request#/#', false],
        [`sub:${s}@channel:socket.io-response#/#`, 'channel:socket.io-response#/#', false],
      ]);
      for (const l of mine) expect(l.curve.to).toEqual(at(l.node));
    }
    // Redis's match, from the channel PUBLISH names to the pattern the servers listen on.
    expect(layout.redis.matches.map((m) => [m.from, m.to])).toEqual([
      ['channel:socket.io#/#', 'pattern:socket.io#/#*'],
      ['channel:socket.io#/#blue#', 'pattern:socket.io#/#*'],
    ]);
  });

  it('a stopped server keeps a dotted line to where broadcasts come from, and nothing else', () => {
    const { layout } = stageOf(threeServers().serverDown('s2'));
    const s2 = layout.lines.filter((l) => l.server === 's2' && l.kind === 'sub');
    expect(s2.map((l) => [l.id, l.node, l.ghost])).toEqual([
      ['sub:s2', 'pattern:socket.io#/#*', true],
    ]);
  });

  it('client labels sit left of their dot, so the WebSocket line never crosses them', () => {
    const { layout } = stageOf(threeServers());
    for (const c of layout.clients) {
      if (c.kind !== 'client') continue;
      expect(c.labelled).toBe(true);
      // The click area covers the label and the dot, and nothing right of the dot.
      expect(c.hit.x + c.hit.w).toBeCloseTo(c.x + c.r);
      expect(c.hit.x).toBeLessThan(c.x - c.r - approxMeasure(c.id, 'sans', layout.font));
    }
  });

  it.each([
    [3, [], 3, 0],
    [9, [], 0, 1],
    [9, ['s1'], 9, 1],
    [200, ['s1'], undefined, 1],
  ])('%d clients on one server, unfolded %j: %s dots, %d pills', (n, expanded, dots, groups) => {
    const { layout } = stageOf(serversWithClients(1, n), { expanded: expanded as string[] });
    const d = layout.clients.filter((c) => c.kind === 'client').length;
    const g = layout.clients.filter((c) => c.kind === 'group');
    if (dots !== undefined) expect(d).toBe(dots);
    expect(g).toHaveLength(groups);
    // Every client is drawn as a dot or stands in a pill.
    expect(d + g.reduce((a, x) => a + (x.kind === 'group' ? x.count : 0), 0)).toBe(n);
  });

  it.each([
    [620, 484, false],
    [720, 554, false],
    [1400, 800, false],
    [620, 484, true],
    [380, 528, false],
  ])(
    '10 servers, 200 clients, two groups unfolded on %dx%d units (balancer %s): marks cover no word',
    (width, height, balancer) => {
      const { layout } = stageOf(serversWithClients(10, 200), {
        width,
        height,
        balancer,
        expanded: ['s1', 's2'],
      });
      expect(layout.clients.some((c) => c.kind === 'group' && c.rest)).toBe(true);
      checkLayout(layout);
    },
  );

  it('on a phone an unfolded group is a pill only: its clients are listed in the Clients panel', () => {
    const { layout } = stageOf(serversWithClients(10, 200), {
      width: 380,
      height: 528,
      expanded: ['s1'],
    });
    const s1 = layout.clients.filter((c) => c.server === 's1');
    expect(s1).toHaveLength(1);
    expect(s1[0]).toMatchObject({ kind: 'group', rest: true, count: 20, text: '20 ▴' });
    checkLayout(layout);
  });

  it('with no adapter, Redis is a sentence and there are no lines to it', () => {
    const s = new LabScript();
    s.emit({ kind: 'server.up', server: 's1', port: 4001, adapter: 'none' });
    const { layout } = stageOf(s);
    expect(layout.lines).toEqual([]);
    expect(layout.redis.note.join(' ')).toMatch(/No adapter/);
    for (const line of layout.redis.note)
      expect(approxMeasure(line, 'sans', layout.font)).toBeLessThanOrEqual(layout.redis.w);
  });
});

it("a standalone server reads '● remote', and its box holds the word", () => {
  const s = threeServers();
  const { model } = stageOf(s);
  const servers = model.servers.map((x) => (x.id === 's2' ? { ...x, remote: true } : x));
  const layout = layoutStage({ ...model, width: 380, height: 450, compact: true, servers });
  const s2 = layout.servers.find((x) => x.id === 's2')!;
  expect(s2.rows.map((r) => r.text)).toContain('● remote');
  checkLayout(layout);
});

describe('curves', () => {
  const a = { x: 0, y: 0 };
  const b = { x: 100, y: 50 };
  it('start and end at their ends, and draw the same path D3 would', () => {
    expect(pointOn(link(a, b), 0)).toEqual(a);
    expect(pointOn(link(a, b), 1)).toEqual(b);
    expect(pointOn(link(a, b), 0.5)).toEqual({ x: 50, y: 25 });
    expect(curvePath(link(a, b))).toBe('M0,0C50,0,50,50,100,50');
  });
});
