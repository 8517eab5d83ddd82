/**
 * From a monitor event to what moves on the stage: the hop's segments (from, to, shape, and
 * where a lost message stops) and the edges to highlight. Pure, so the mapping from trace to
 * stage is tested without a browser.
 */
import { classifyChannel } from '../../../../trace/channels.ts';
import type { Decision, LabEvent } from '../../../../trace/events.ts';
import type { LabState } from '../../../../trace/state.ts';
import type { Point, StageLayout } from './stage-layout.ts';

export type HopKind =
  | 'frame'
  | 'publish'
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
  kind: HopKind;
  from: Point;
  to: Point;
  /** 0..1: a lost message stops there and shows a cross. */
  stopAt: number;
  mark: Mark;
  flow?: string;
  /** The edge it travels, e.g. `pub:s1`, `sub:s2`, `ws:c3`. */
  edge?: string;
  /** A word drawn beside it, e.g. Redis's receiver count. */
  label?: string;
}

const DECISION_MARK: Record<Decision, Mark> = {
  delivered: 'check',
  'own-message': 'own',
  'unknown-room': 'room',
  'other-namespace': 'drop',
  'not-for-me': 'drop',
  ignored: 'drop',
};

function seg(kind: HopKind, from: Point, to: Point, extra: Partial<Segment> = {}): Segment {
  return { kind, from, to, stopAt: 1, mark: 'none', ...extra };
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
  return state.redis.state === 'down' || state.servers[server]?.connections.pub?.state === 'down';
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
      return [seg(kind, c, server.left, { flow, edge: `ws:${c.id}` })];
    }
    case 'client.disconnect':
    case 'room.join':
    case 'room.leave': {
      const c = node(e.socketId, 'client' in e ? e.client : undefined);
      return c ? [seg('arrive', c, c, { edge: `ws:${c.id}` })] : [];
    }
    case 'redis.connect':
    case 'redis.disconnect':
    case 'redis.command': {
      if (!server) return [];
      const sub = e.role === 'sub' || e.role === 'monitor-sub';
      const from = sub ? server.sub : server.pub;
      const to = sub ? server.redisSub : server.redisPub;
      const lost = e.kind === 'redis.disconnect' || ('error' in e && e.error !== undefined);
      return [
        seg(e.kind === 'redis.command' ? 'subscribe' : 'connect', from, to, {
          edge: `${sub ? 'sub' : 'pub'}:${server.id}`,
          ...(lost ? { stopAt: 0.5, mark: 'cross' as const } : {}),
        }),
      ];
    }
    case 'publish':
      if (!server) return [];
      // With Redis or the pub connection down, the PUBLISH never gets there: it stops on the line.
      return [
        seg('publish', server.pub, server.redisPub, {
          flow,
          edge: `pub:${server.id}`,
          ...(pubDown(state, e.server) ? { stopAt: 0.6, mark: 'cross' as const } : {}),
        }),
      ];
    case 'publish.result': {
      if (!server) return [];
      if (e.error && pubDown(state, e.server)) return [];
      if (e.error)
        return [
          seg('lost', server.pub, server.redisPub, {
            flow,
            stopAt: 0.6,
            mark: 'cross',
            edge: `pub:${server.id}`,
          }),
        ];
      const out = [
        seg('reply', server.redisPub, server.pub, {
          flow,
          edge: `pub:${server.id}`,
          label: `${e.receivers ?? 0} receiver${e.receivers === 1 ? '' : 's'}`,
        }),
      ];
      // A server that is down has no sub connection: Redis has nobody to hand it to there.
      for (const s of layout.servers) {
        if ((state.servers[s.id]?.state ?? 'up') === 'up') continue;
        out.push(
          seg('lost', s.redisSub, s.sub, { flow, stopAt: 0.5, mark: 'cross', edge: `sub:${s.id}` }),
        );
      }
      return out;
    }
    case 'receive':
      return server
        ? [
            seg('fanout', server.redisSub, server.sub, {
              flow,
              mark: DECISION_MARK[e.decision],
              edge: `sub:${server.id}`,
            }),
          ]
        : [];
    case 'deliver': {
      if (!server) return [];
      const seen = new Set<string>();
      const out: Segment[] = [];
      for (const socketId of e.sockets) {
        const c = node(socketId);
        if (!c || seen.has(c.id)) continue;
        seen.add(c.id);
        out.push(seg('deliver', server.left, c, { flow, edge: `ws:${c.id}` }));
      }
      return out;
    }
    case 'client.receive': {
      const c = node(e.socketId, e.client);
      return c ? [seg('arrive', c, c, { flow, mark: 'check', edge: `ws:${c.id}` })] : [];
    }
    case 'server.down':
      return server ? [seg('down', server, server, { mark: 'cross' })] : [];
    case 'server.up':
      return server ? [seg('arrive', server, server)] : [];
    default:
      return [];
  }
}

/** Events that move nothing on the stage: stepping passes over them. */
export function isHop(e: LabEvent): boolean {
  return e.kind !== 'counters' && e.kind !== 'monitor.mode';
}

/**
 * Where a hop stands in its message's causal order, the order trace/flow-hops.ts tells it in:
 * emit, PUBLISH, local delivery, Redis's answer, receipts, remote deliveries, responses, clients.
 * Following a message steps in this order rather than in arrival order.
 */
export function causalRank(e: LabEvent): number {
  const response = 'channel' in e && classifyChannel(e.channel).kind === 'response';
  switch (e.kind) {
    case 'client.emit':
      return 0;
    case 'publish':
      return response ? 6 : 1;
    case 'deliver':
      return e.origin === 'local' ? 2 : 5;
    case 'publish.result':
      return response ? 7 : 3;
    case 'receive':
      return response ? 8 : 4;
    case 'client.receive':
      return 9;
    default:
      return 10;
  }
}
