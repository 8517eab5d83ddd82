/**
 * The page's own load shedding: more flow detail than the page can draw and record is left out
 * a whole flow at a time (decided when a flow is first seen), like the monitor sink does for the
 * monitor channel. State events (servers, clients, rooms, Redis) and counters always pass, so
 * the stage stays true and the counters exact; the scrubber then holds a sample of the flows.
 */
export const FLOW_EVENTS_PER_SECOND = 3000;

export class FlowBudget {
  /** Flows left out, and their events. */
  shedFlows = 0;
  shedEvents = 0;
  private tokens: number;
  private at: number;
  private decided = new Map<string, boolean>();
  private order: string[] = [];

  constructor(
    readonly perSecond = FLOW_EVENTS_PER_SECOND,
    now = 0,
    private readonly remember = 5000,
  ) {
    this.tokens = perSecond;
    this.at = now;
  }

  /** Whether to keep an event of `flow`; every event of a flow gets the same answer. */
  keep(flow: string, now: number): boolean {
    let keep = this.decided.get(flow);
    if (keep === undefined) {
      this.tokens = Math.min(
        this.perSecond,
        this.tokens + ((now - this.at) / 1000) * this.perSecond,
      );
      this.at = now;
      keep = this.tokens > 0;
      this.decided.set(flow, keep);
      this.order.push(flow);
      if (this.order.length > this.remember * 1.2)
        for (const old of this.order.splice(0, this.order.length - this.remember))
          this.decided.delete(old);
      if (!keep) this.shedFlows += 1;
    }
    if (keep) this.tokens -= 1;
    else this.shedEvents += 1;
    return keep;
  }
}
