/**
 * One sentence for a beat of the class pace: the hops that play together, such as the copies
 * Redis hands to every subscriber or the clients' receipts. A beat of one hop says what narrate()
 * says.
 */
import type { LabEvent } from '../../../../trace/events.ts';
import { CAUGHT, decisionClause, publisherSentence } from '../../../../trace/decision-words.ts';
import { plural } from '../../../../trace/plural.ts';
import { narrate, type NarrationContext } from './narration.ts';

type Receive = Extract<LabEvent, { kind: 'receive' }>;

/**
 * Servers that caught the same bad message, in one clause: the same words for each would only
 * repeat (and push the sender out of the narration line).
 */
function caught(rs: readonly Receive[]): string {
  return decisionClause(rs[0], listed(rs.map((r) => r.server)), rs.length > 1);
}

/** Each server's decision; the servers that caught a bad message the same way together. */
function decisions(rs: readonly Receive[]): string[] {
  const out: string[] = [];
  const groups = new Map<string, Receive[]>();
  for (const r of rs) {
    if (!CAUGHT.has(r.decision)) {
      out.push(decisionClause(r));
      continue;
    }
    const key = `${r.decision}:${r.fatal}`;
    if (!groups.has(key)) out.push(key);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return out.map((x) => {
    const group = groups.get(x);
    return group ? caught(group) : x;
  });
}

/** `a, b and c`, with at most `max` named. */
export function listed(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1
    ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`
    : (shown[0] ?? '');
}

export function narrateBeat(events: readonly LabEvent[], ctx: NarrationContext = {}): string {
  const [first] = events;
  if (!first) return '';
  if (events.length === 1) return narrate(first, ctx);
  switch (first.kind) {
    case 'receive': {
      const rs = events as Receive[];
      const through = first.pattern ? ` through ${first.pattern}` : '';
      return `Redis handed ${first.channel}${through} to ${plural(rs.length, 'subscribed server')}: ${listed(
        decisions(rs),
        10,
      )}.${publisherSentence(first)}`;
    }
    case 'deliver': {
      const ds = events as Extract<LabEvent, { kind: 'deliver' }>[];
      const total = ds.reduce((n, d) => n + d.count, 0);
      return `${listed(ds.map((d) => d.server))} wrote "${first.event}" to ${plural(total, 'socket')} in all.`;
    }
    case 'client.receive': {
      const who = events.map((e) => ('client' in e && e.client ? e.client : e.server));
      return `${listed(who)} received "${first.event}" over their WebSockets.`;
    }
    default:
      return `${narrate(first, ctx)} (And ${events.length - 1} more like it.)`;
  }
}
