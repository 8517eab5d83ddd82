/**
 * Drops events seen before (a reconnect's hello repeats history; a feed switching relays may
 * repeat a batch), in bounded memory. A server's seq restarts with each life, so the key also
 * holds the time and kind.
 */
import type { LabEvent } from '../../../../trace/events.ts';

export class SeenEvents {
  private seen = new Set<string>();
  private order: string[] = [];
  constructor(private readonly cap = 20_000) {}

  /** True the first time an event is offered. */
  fresh(e: LabEvent): boolean {
    const key = `${e.server}|${e.seq}|${e.t}|${e.kind}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.order.push(key);
    if (this.order.length > this.cap * 1.1) {
      for (const old of this.order.splice(0, this.order.length - this.cap)) this.seen.delete(old);
    }
    return true;
  }
}
