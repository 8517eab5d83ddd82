/**
 * Which lines an event proves healthy again, so the crosses of what was lost there go: a
 * connection back up, a server restarted, its link to Redis healed, Redis back, or the lab rebuilt.
 */
import type { LabEvent } from '../../../../trace/events.ts';

/** The edges `e` heals (`pub:s1`, `sub:s1`, `server:s1`), `all`, or none. */
export function healedBy(e: LabEvent): string[] | 'all' {
  switch (e.kind) {
    case 'redis.connect':
      return [`${e.role === 'sub' || e.role === 'monitor-sub' ? 'sub' : 'pub'}:${e.server}`];
    case 'server.up':
      return [`pub:${e.server}`, `sub:${e.server}`, `server:${e.server}`];
    case 'server.link':
      // A heal by the lab; when Redis closed a slow subscriber, its reconnect heals the line.
      return e.link === 'open' && !e.closedBy ? [`pub:${e.server}`, `sub:${e.server}`] : [];
    case 'lab.notice':
      return e.topic === 'redis.up' || e.topic === 'setup' ? 'all' : [];
    default:
      return [];
  }
}
