/**
 * The lab's lifecycle queue: every operation that changes what runs goes through here, so two
 * calls never interleave half-way and none is left half-applied.
 *
 * An operation says which things it holds, by name: `server:s1`, `servers` (the list itself, for
 * adding and removing), `redis`, `clients`, and whatever comes later (`redis-node:7001`,
 * `balancer`), or the whole lab (LAB). It starts once no earlier operation, waiting or running,
 * holds one of the same things:
 * - calls on one thing are served one at a time, in the order they arrived;
 * - calls on different things run side by side (stopping s1 does not wait for s2's start);
 * - a lab-wide operation (setup, shutdown) waits for everything before it, and everything after
 *   it waits for it.
 * The queue refuses, with a 409 and a sentence, instead of serving late:
 * - a call on a thing that has MAX_WAITING calls waiting already (a flood of clicks or scripts);
 * - every call once the lab is shutting down (calls that were waiting are refused too: they had
 *   not started, so nothing of them was applied).
 *
 * What an operation finds is looked up when it runs, not when it was asked: a stop queued behind
 * a removal finds no server and answers 404. Every operation resolves with the state it reached,
 * which the API sends back. An operation must not call `run` itself (it would wait for itself):
 * lab.ts keeps the work in private methods that operations call directly.
 *
 * Adding an operation, cut and heal say, is a few lines in lab.ts:
 *
 *   cutServer(id: string) {
 *     return this.lifecycle.run([`server:${id}`], `cut ${id}`, async () => {
 *       await this.server(id).cut();
 *       return this.listed(id);
 *     });
 *   }
 */
import { LabError } from './lab-error.ts';

/** Holds every thing: a lab-wide operation. */
export const LAB = Symbol('the whole lab');

export type Holds = readonly string[] | typeof LAB;

/** Calls that may wait for one thing before the next is refused. */
export const MAX_WAITING = 16;

interface Ticket {
  holds: Holds;
  what: string;
  running: boolean;
  start: () => void;
  refuse: (err: Error) => void;
}

function conflict(a: Holds, b: Holds): boolean {
  if (a === LAB || b === LAB) return true;
  return a.some((thing) => b.includes(thing));
}

export class LifecycleQueue {
  private readonly tickets: Ticket[] = [];
  private closedWith: string | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly maxWaiting = MAX_WAITING) {}

  /** Runs `op` once nothing before it holds what it holds; resolves or rejects as `op` does. */
  run<T>(holds: Holds, what: string, op: () => Promise<T>): Promise<T> {
    if (this.closedWith !== null) return Promise.reject(new LabError(409, this.closedWith));
    const waiting = this.tickets.filter((t) => !t.running && conflict(t.holds, holds));
    if (waiting.length >= this.maxWaiting) {
      const names = waiting.slice(0, 3).map((t) => t.what);
      return Promise.reject(
        new LabError(
          409,
          `The lab is busy: ${waiting.length} calls are waiting already (${names.join(', ')}…); try again once they are done.`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const ticket: Ticket = {
        holds,
        what,
        running: false,
        start: () => {
          ticket.running = true;
          Promise.resolve()
            .then(op)
            .then(resolve, reject)
            .finally(() => this.done(ticket));
        },
        refuse: reject,
      };
      this.tickets.push(ticket);
      this.pump();
    });
  }

  /** What is running and waiting, oldest first: for messages and for tests. */
  get pending(): { what: string; running: boolean }[] {
    return this.tickets.map(({ what, running }) => ({ what, running }));
  }

  /**
   * Refuses every call from now on with `reason`, refuses the calls still waiting, and resolves
   * once the running ones have finished.
   */
  close(reason: string): Promise<void> {
    this.closedWith = reason;
    for (const t of this.tickets.filter((t) => !t.running)) {
      this.tickets.splice(this.tickets.indexOf(t), 1);
      t.refuse(new LabError(409, reason));
    }
    if (this.tickets.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private done(ticket: Ticket): void {
    this.tickets.splice(this.tickets.indexOf(ticket), 1);
    if (this.tickets.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    this.pump();
  }

  /** Starts every waiting ticket that no earlier ticket conflicts with. */
  private pump(): void {
    this.tickets.forEach((ticket, i) => {
      if (ticket.running) return;
      const blocked = this.tickets
        .slice(0, i)
        .some((earlier) => conflict(earlier.holds, ticket.holds));
      if (!blocked) ticket.start();
    });
  }
}
