/**
 * From a monitor event to what moves on the stage: the hop's segments (the curve, its shape,
 * where a lost message stops, and in which leg of the hop it moves) and the lines to highlight.
 * A PUBLISH travels the pub line into the channel it names, then (classic) Redis's match to the
 * pattern; each server's copy leaves from that pattern (or the channel) down its sub line. On
 * a Redis Cluster (cluster-hops.ts) it lands on a node and crosses the cluster bus first.
 * Pure, so the mapping from trace to stage is tested without a browser.
 */
import { classifyChannel } from '../../../../trace/channels.ts';
import type { Decision, LabEvent } from '../../../../trace/events.ts';
import { plural } from '../../../../trace/plural.ts';
import { decisionLabel } from '../../../../trace/decision-words.ts';
import type { LabState } from '../../../../trace/state.ts';
import { link, reverse, still, type Curve, type Point } from './curves.ts';
import { busLegs, clusterSource, landingBox, onCluster } from './cluster-hops.ts';
import { broadcastSource, lineBetween, type NodeBox, type StageLayout } from './stage-layout.ts';

/** What moves on the stage (not a trace hop kind: a PUBLISH is a `publish` and then a `match`). */
export type SegmentKind =
  | 'frame'
  | 'publish'
  | 'match'
  | 'bus'
  | 'reply'
  | 'fanout'
  | 'deliver'
  | 'arrive'
  | 'connect'
  | 'subscribe'
  | 'lost'
  | 'down';

/** The mark drawn where a hop ends: the decision, or a cross where it was lost. */
export type Mark = 'check' | 'own' | 'room' | 'drop' | 'cross' | 'none';

export interface Segment {
  kind: SegmentKind;
  curve: Curve;
  /** 0..1: a lost message stops there and shows a cross. */
  stopAt: number;
  mark: Mark;
  flow?: string;
  /** The line it travels, e.g. `pub:s1`, `sub:s2`, `ws:c3`, `match:<channel node>`. */
  edge?: string;
  /** Words drawn with it: a PUBLISH's size, Redis's receiver count, a server's decision. */
  label?: string;
  /** Where the label stands; beside the particle when absent. */
  labelAt?: Point;
  /** Which leg of its hop it moves in: 0 at once, 1 after the first leg, ... */
  leg: number;
}

const DECISION_MARK: Record<Decision, Mark> = {
  delivered: 'check',
  'own-message': 'own',
  'unknown-room': 'room',
  'other-namespace': 'drop',
  'not-for-me': 'drop',
  ignored: 'drop',
  undecodable: 'drop',
  malformed: 'drop',
};

function seg(kind: SegmentKind, curve: Curve, extra: Partial<Segment> = {}): Segment {
  return { kind, curve, stopAt: 1, mark: 'none', leg: 0, ...extra };
}

/** The client id behind a socket, from the event or the state. */
export function clientOf(
  state: LabState,
  socketId: string | undefined,
  client?: string,
): string | undefined {
  if (client) return client;
  return socketId ? state.sockets[socketId]?.client : undefined;
}

function pubDown(state: LabState, server: string): boolean {
  const link = state.servers[server]?.link;
  // A cut or frozen link passes nothing; a slow one still carries the server's PUBLISHes.
  if (link === 'cut' || link === 'frozen') return true;
  return state.redis.state === 'down' || state.servers[server]?.connections.pub?.state === 'down';
}

/** The node standing for `channel`: its own, or a fold that holds it. */
function nodeOf(layout: StageLayout, channel: string): NodeBox | undefined {
  return layout.redis.nodes.find((n) => n.spec.names.includes(channel));
}

/** Where a publish lands: on a cluster, the node it was sent to; else the node of its channel. */
function landingOf(
  layout: StageLayout,
  state: LabState,
  e: { server: string; flow?: string; pubId: number; channel: string; node?: string },
): NodeBox | undefined {
  if (!onCluster(layout)) return nodeOf(layout, e.channel);
  // A publish.result names no node: its publish, in the flow, does.
  const p = state.flows[e.flow ?? '']?.publishes.find(
    (q) => q.pubId === e.pubId && q.server === e.server,
  );
  return landingBox(layout, {
    command: p?.command ?? 'PUBLISH',
    channel: e.channel,
    node: e.node ?? p?.node,
  });
}

/** Where a message on `channel` leaves Redis: the pattern that matched it, or its channel. */
function sourceOf(layout: StageLayout, channel: string, pattern?: string): NodeBox | undefined {
  const p = pattern && layout.redis.nodes.find((n) => n.spec.name === pattern);
  return p || nodeOf(layout, channel) || broadcastSource(layout.redis.nodes);
}

/** Redis's edge at a server's height, for traffic that has no node to go to. */
function redisEdge(layout: StageLayout, y: number): Point {
  const r = layout.redis;
  return { x: r.x, y: Math.max(r.y, Math.min(r.y + r.h, y)) };
}

export function hopSegments(e: LabEvent, layout: StageLayout, state: LabState): Segment[] {
  const server = layout.servers.find((s) => s.id === e.server);
  const flow = e.flow;
  const node = (socketId: string | undefined, client?: string) => {
    const id = clientOf(state, socketId, client);
    return id ? layout.clientNode[id] : undefined;
  };
  switch (e.kind) {
    case 'client.transport':
    case 'client.connect':
    case 'client.emit': {
      const c = node(e.socketId, e.client);
      if (!c || !server) return [];
      const kind = e.kind === 'client.emit' ? 'frame' : 'connect';
      return [seg(kind, link(c.at, server.left), { flow, edge: `ws:${c.id}` })];
    }
    case 'client.disconnect':
    case 'room.join':
    case 'room.leave': {
      const c = node(e.socketId, 'client' in e ? e.client : undefined);
      return c ? [seg('arrive', still(c.at), { edge: `ws:${c.id}` })] : [];
    }
    case 'redis.connect':
    case 'redis.disconnect':
    case 'redis.command': {
      if (!server) return [];
      const sub = e.role === 'sub' || e.role === 'monitor-sub';
      const from = sub ? server.sub : server.pub;
      const lost = e.kind === 'redis.disconnect' || ('error' in e && e.error !== undefined);
      const edge = `${sub ? 'sub' : 'pub'}:${server.id}`;
      const named =
        e.kind === 'redis.command' && /SUBSCRIBE$/i.test(e.command)
          ? e.args.flatMap((a) => nodeOf(layout, a) ?? [])
          : [];
      const ends = named.length
        ? [...new Set(named)].map((n) => n.anchor)
        : [redisEdge(layout, from.y)];
      return ends.map((to) =>
        seg(e.kind === 'redis.command' ? 'subscribe' : 'connect', link(from, to), {
          edge,
          ...(lost ? { stopAt: 0.5, mark: 'cross' as const } : {}),
        }),
      );
    }
    case 'publish': {
      if (!server) return [];
      const cluster = onCluster(layout);
      const target = cluster
        ? landingBox(layout, { command: e.command, channel: e.channel, node: e.node })
        : nodeOf(layout, e.channel);
      const to = target?.anchor ?? redisEdge(layout, server.pub.y);
      const label = `${e.command} · ${e.bytes} B${cluster && target ? ` → ${target.spec.name}` : ''}`;
      const edge = `pub:${server.id}`;
      // With Redis or the pub connection down, the PUBLISH never gets there: it stops on the line.
      if (pubDown(state, e.server))
        return [seg('publish', link(server.pub, to), { flow, edge, stopAt: 0.6, mark: 'cross' })];
      const out = [seg('publish', link(server.pub, to), { flow, edge, label })];
      if (cluster && target && e.command !== 'XADD')
        for (const leg of busLegs(layout, e.command, target))
          out.push(seg('bus', leg.curve, { flow, ...leg, leg: 1 }));
      const match = target && layout.redis.matches.find((m) => m.from === target.spec.id);
      if (match)
        out.push(seg('match', match.curve, { flow, edge: `match:${target.spec.id}`, leg: 1 }));
      return out;
    }
    case 'publish.result': {
      if (!server) return [];
      if (e.error && pubDown(state, e.server)) return [];
      const target = landingOf(layout, state, e);
      const end = target?.anchor ?? redisEdge(layout, server.pub.y);
      const edge = `pub:${server.id}`;
      if (e.error)
        return [seg('lost', link(server.pub, end), { flow, stopAt: 0.6, mark: 'cross', edge })];
      const n = e.receivers ?? 0;
      const out = [
        seg('reply', reverse(link(server.pub, end)), {
          flow,
          edge,
          label: plural(n, 'receiver'),
          labelAt: target?.countAt,
        }),
      ];
      // A broadcast reaches no server that is down: Redis has no connection of its to hand it to.
      // (A sharded room channel only goes to servers with members: nothing is missed there.)
      if (classifyChannel(e.channel).kind !== 'broadcast') return out;
      if (target?.spec.kind === 'shard' && target.spec.role === 'room') return out;
      for (const s of layout.servers) {
        const known = state.servers[s.id];
        const up = (known?.state ?? 'up') === 'up';
        if (up && !known?.link) continue;
        const line = layout.lines.find((l) => l.id === `sub:${s.id}`);
        if (!line) continue;
        // Frozen or slow: the copy waits on the line, short of the server, and may come late.
        const waits = up && known?.link !== 'cut';
        out.push(
          seg('lost', reverse(line.curve), {
            flow,
            edge: line.id,
            ...(waits ? { stopAt: 0.8 } : { stopAt: 0.5, mark: 'cross' as const }),
          }),
        );
      }
      return out;
    }
    case 'receive': {
      if (!server) return [];
      const source = onCluster(layout)
        ? clusterSource(layout, e.server, e.channel, e.via)
        : sourceOf(layout, e.channel, e.pattern);
      const line = source && lineBetween(layout, 'sub', server.id, source.spec.id);
      const curve = line
        ? reverse(line.curve)
        : link(source?.anchor ?? redisEdge(layout, server.sub.y), server.sub);
      return [
        seg('fanout', curve, {
          flow,
          mark: DECISION_MARK[e.decision],
          edge: line?.id ?? `sub:${server.id}`,
          label: server.decisionAt ? decisionLabel(e) : undefined,
          labelAt: server.decisionAt,
        }),
      ];
    }
    case 'deliver': {
      if (!server) return [];
      const seen = new Set<string>();
      const out: Segment[] = [];
      for (const socketId of e.sockets) {
        const c = node(socketId);
        if (!c || seen.has(c.id)) continue;
        seen.add(c.id);
        out.push(seg('deliver', link(server.left, c.at), { flow, edge: `ws:${c.id}` }));
      }
      return out;
    }
    case 'client.receive': {
      const c = node(e.socketId, e.client);
      return c ? [seg('arrive', still(c.at), { flow, mark: 'check', edge: `ws:${c.id}` })] : [];
    }
    case 'server.down':
      return server
        ? [seg('down', still(server), { mark: 'cross', edge: `server:${server.id}` })]
        : [];
    case 'server.up':
      return server ? [seg('arrive', still(server), { edge: `server:${server.id}` })] : [];
    default:
      return [];
  }
}

/** How many legs a hop's segments take, one after another. */
export function legsOf(segs: readonly Segment[]): number {
  return segs.reduce((n, s) => Math.max(n, s.leg + 1), 1);
}

/** Events that move nothing on the stage: stepping passes over them. */
export function isHop(e: LabEvent): boolean {
  return e.kind !== 'counters' && e.kind !== 'monitor.mode';
}
