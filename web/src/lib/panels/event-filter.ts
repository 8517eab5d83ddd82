/** The event log's filters: server, kind, channel and flow; empty means any. */
import type { LabEvent } from '../../../../trace/events.ts';

export interface EventFilter {
  server: string;
  kind: string;
  channel: string;
  flow: string;
}

export const NO_FILTER: EventFilter = { server: '', kind: '', channel: '', flow: '' };

export function channelOf(e: LabEvent): string | undefined {
  if ('channel' in e) return e.channel;
  if (e.kind === 'redis.command') return e.args.join(' ');
  return undefined;
}

export function matches(e: LabEvent, f: EventFilter): boolean {
  if (f.server && e.server !== f.server) return false;
  if (f.kind && e.kind !== f.kind) return false;
  if (f.flow && e.flow !== f.flow) return false;
  if (f.channel && !(channelOf(e) ?? '').includes(f.channel)) return false;
  return true;
}

/** The newest `limit` matching events, newest first, scanning back from the end. */
export function newestMatching(
  at: (i: number) => LabEvent | undefined,
  start: number,
  end: number,
  f: EventFilter,
  limit: number,
): { index: number; event: LabEvent }[] {
  const out: { index: number; event: LabEvent }[] = [];
  for (let i = end - 1; i >= start && out.length < limit; i--) {
    const e = at(i);
    if (e && e.kind !== 'counters' && matches(e, f)) out.push({ index: i, event: e });
  }
  return out;
}
