/**
 * Which flow each packet written to a socket belonged to, in order. A client only sees the
 * payload (clients of the original demo get a plain string), so when it reports a receipt
 * the hub looks the flow up here: packets on one socket arrive in the order they were written.
 * One per lab (lab-tap-state.ts), for the servers in the hub's own process; bounded per socket.
 */
const MAX_PER_SOCKET = 256;

interface Entry {
  event: string;
  flow?: string;
}

export class DeliveryLog {
  private readonly log = new Map<string, Entry[]>();

  record(socketIds: Iterable<string>, event: string, flow: string | undefined): void {
    for (const id of socketIds) {
      let queue = this.log.get(id);
      if (!queue) this.log.set(id, (queue = []));
      queue.push({ event, flow });
      if (queue.length > MAX_PER_SOCKET) queue.shift();
    }
  }

  /** The flow of the oldest unclaimed packet of `event` on the socket; older unclaimed ones are dropped. */
  take(socketId: string, event: string): string | undefined {
    const queue = this.log.get(socketId);
    if (!queue) return undefined;
    const at = queue.findIndex((e) => e.event === event);
    if (at < 0) return undefined;
    const [entry] = queue.splice(0, at + 1).slice(-1);
    return entry.flow;
  }

  forget(socketId: string): void {
    this.log.delete(socketId);
  }

  /** The sockets with packets still unclaimed, and their flows: what a test checks for leaks. */
  entries(): [socketId: string, flows: (string | undefined)[]][] {
    return [...this.log].map(([id, queue]) => [id, queue.map((e) => e.flow)]);
  }
}
