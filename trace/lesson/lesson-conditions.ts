/**
 * Evaluating a lesson's conditions and observations against what the lab really did: the
 * monitor events since the step began, and the lab state reduced from the trace.
 */
import type { LabEvent } from '../events.ts';
import type { LabState } from '../state.ts';
import type {
  Choice,
  Claim,
  Condition,
  EventMatcher,
  LessonReply,
  Observation,
} from './lesson-types.ts';

export interface ConditionContext {
  /** Events since the step began, oldest first. */
  events: readonly LabEvent[];
  /** The answers to the emits the lesson made since the step began, oldest first. */
  replies: readonly LessonReply[];
  state: LabState;
  /** The lab's id for a lesson client name (the same name since the hub renumbers at setup). */
  clientId(name: string): string;
  /** The lesson's name for a lab client id; the id itself when the lesson did not make it. */
  clientName(id: string): string;
}

function field(event: LabEvent | LessonReply, path: string): unknown {
  let value: unknown = event;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function same(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => same(a, wanted));
  if (typeof wanted === 'number') return Number(actual) === wanted;
  return actual === wanted;
}

/** Whether an event (or a LessonReply) has every field the matcher asks for. */
export function matches(
  m: EventMatcher,
  event: LabEvent | LessonReply,
  ctx: ConditionContext,
): boolean {
  for (const [key, expected] of Object.entries(m)) {
    const options = Array.isArray(expected) && key !== 'args' ? expected : [expected];
    const wanted = key === 'client' ? options.map((c) => ctx.clientId(String(c))) : options;
    const actual = field(event, key);
    if (!wanted.some((w) => same(actual, w))) return false;
  }
  return true;
}

/**
 * The flow the step started: that of the first client event since the step began. Joins and
 * leaves are skipped: a reconnecting lab client re-joins its rooms, and that is not the news.
 */
export function stepFlow(events: readonly LabEvent[]): string | undefined {
  return events.find((e) => e.kind === 'client.emit' && e.event !== 'join' && e.event !== 'leave')
    ?.flow;
}

function matching(
  m: EventMatcher,
  sameFlow: boolean | undefined,
  ctx: ConditionContext,
): LabEvent[] {
  const flow = sameFlow ? stepFlow(ctx.events) : undefined;
  if (sameFlow && flow === undefined) return [];
  return ctx.events.filter((e) => (!sameFlow || e.flow === flow) && matches(m, e, ctx));
}

function matchingReplies(m: EventMatcher, ctx: ConditionContext): LessonReply[] {
  return ctx.replies.filter((r) => matches(m, r, ctx));
}

/** Where each matcher first matches, in the step's events (-1 when it never does). */
function firstMatches(order: EventMatcher[], sameFlow: boolean | undefined, ctx: ConditionContext) {
  const flow = sameFlow ? stepFlow(ctx.events) : undefined;
  return order.map((m) =>
    sameFlow && flow === undefined
      ? -1
      : ctx.events.findIndex((e) => (!sameFlow || e.flow === flow) && matches(m, e, ctx)),
  );
}

export function holds(c: Condition, ctx: ConditionContext): boolean {
  if ('all' in c) return c.all.every((p) => holds(p, ctx));
  if ('any' in c) return c.any.some((p) => holds(p, ctx));
  if ('order' in c) {
    const at = firstMatches(c.order, c.sameFlow, ctx);
    return at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]));
  }
  if ('event' in c) {
    const n = matching(c.event, c.sameFlow, ctx).length;
    return c.exactly !== undefined ? n === c.exactly : n >= (c.count ?? 1);
  }
  if ('reply' in c) return matchingReplies(c.reply, ctx).length >= (c.count ?? 1);
  if ('redis' in c) return ctx.state.redis.state === c.redis;
  if ('server' in c) return (ctx.state.servers[c.server]?.state ?? 'down') === c.state;
  return (ctx.state.clients[ctx.clientId(c.client)]?.state ?? 'disconnected') === c.state;
}

/** A field's value as the lesson says it: client ids become the lesson's names. */
function valueOf(e: LabEvent | LessonReply, path: string, ctx: ConditionContext): unknown {
  const v = field(e, path);
  return path === 'client' && v !== undefined ? ctx.clientName(String(v)) : v;
}

/**
 * The observed value: a count, or the sorted distinct values of a field (client ids as the
 * lesson names them); with `per`, one `"group: values in arrival order"` line per group.
 */
export function observe(o: Observation, ctx: ConditionContext): number | unknown[] {
  if ('first' in o) {
    const at = firstMatches(o.first, o.sameFlow, ctx);
    const seen = at.map((i, k) => [i, k]).filter(([i]) => i >= 0);
    if (seen.length === 0) return [];
    const [, k] = seen.reduce((a, b) => (b[0] < a[0] ? b : a));
    return [o.first[k].kind];
  }
  const events: (LabEvent | LessonReply)[] =
    'reply' in o ? matchingReplies(o.reply, ctx) : matching(o.event, o.sameFlow, ctx);
  const per = 'event' in o ? o.per : undefined;
  if (per) {
    const groups = new Map<string, unknown[]>();
    for (const e of events) {
      const key = valueOf(e, per, ctx);
      if (key === undefined) continue;
      const list = groups.get(String(key)) ?? [];
      if (o.collect !== 'count') list.push(valueOf(e, o.collect, ctx));
      else list.push(1);
      groups.set(String(key), list);
    }
    return [...groups]
      .map(([key, list]) => `${key}: ${o.collect === 'count' ? list.length : list.join(', ')}`)
      .sort(byValue);
  }
  if (o.collect === 'count') return events.length;
  const values = events.map((e) => valueOf(e, o.collect, ctx)).filter((v) => v !== undefined);
  return [...new Set(values)].sort(byValue);
}

function byValue(a: unknown, b: unknown): number {
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** Whether a choice's value says what was observed; lists compare as sets. */
export function choiceFits(choice: Choice, observed: number | unknown[]): boolean {
  if (Array.isArray(observed)) {
    const wanted = Array.isArray(choice.value) ? choice.value : [choice.value];
    const set = [...new Set(wanted)].sort(byValue);
    return set.length === observed.length && set.every((v, i) => same(observed[i], v));
  }
  return Number(choice.value) === observed;
}

/** The choices that fit what was observed (0-based); empty when the lab did something unforeseen. */
export function fittingChoices(choices: Choice[], observed: number | unknown[]): number[] {
  return choices.flatMap((c, i) => (choiceFits(c, observed) ? [i] : []));
}

/** One line for the learner: what the lab showed. */
export function describeObserved(observed: number | unknown[]): string {
  if (typeof observed === 'number') return String(observed);
  return observed.length === 0 ? 'none' : observed.join(', ');
}

/** A claim of the narration, once checked: whether the lab bore it out, and what it showed. */
export interface ClaimResult {
  says: string;
  held: boolean;
  /** What the lab showed, when the claim did not hold (or for an observation, always). */
  saw?: string;
}

/** What the lab showed for a condition that did not hold, in a few words, for the author. */
function missed(c: Condition, ctx: ConditionContext): string | undefined {
  if ('order' in c) {
    const at = firstMatches(c.order, c.sameFlow, ctx);
    return c.order
      .map((m, k) => `${String(m.kind)}${at[k] < 0 ? ' never came' : ` came #${at[k] + 1}`}`)
      .join(', ');
  }
  if ('event' in c) return `${matching(c.event, c.sameFlow, ctx).length} matching events`;
  return undefined;
}

export function checkClaim(claim: Claim, ctx: ConditionContext): ClaimResult {
  if (claim.observe) {
    const seen = observe(claim.observe, ctx);
    const held = choiceFits({ text: '', value: claim.is }, seen);
    return { says: claim.says, held, saw: describeObserved(seen) };
  }
  const held = holds(claim.holds!, ctx);
  return held
    ? { says: claim.says, held }
    : { says: claim.says, held, saw: missed(claim.holds!, ctx) };
}
