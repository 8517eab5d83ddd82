/**
 * What the taps of one lab's servers share, and no other lab may see: the flow of the work in
 * hand (flow-context.ts), the flow of every packet written to a reporting client (delivery-log.ts)
 * and the deliveries being counted while an adapter call runs. The lab makes one and hands it to
 * each tap it makes, as it hands over its SamplingGroup; a standalone server makes one for its
 * process. Two labs in one process (the tests run several) share none of it.
 */
import type { SocketKind } from '../../trace/events.ts';
import { DeliveryLog } from './delivery-log.ts';
import { FlowContext, SyncScope } from './flow-context.ts';

/** One adapter call's local delivery: who got the packet. */
export interface Delivery {
  /** Set when the adapter called `apply`, i.e. decided to deliver, even to zero sockets. */
  applied?: boolean;
  count: number;
  /** The first 50 socket ids, for the event. */
  ids: string[];
  /** Lab and page clients, which report their receipts and need the flow looked up. */
  reporting: string[];
  /** `count` by client kind (server/monitor/socket-kind.ts). */
  kinds: Partial<Record<SocketKind, number>>;
}

export class LabTapState {
  readonly flows = new FlowContext();
  readonly deliveries = new DeliveryLog();
  /**
   * The delivery being counted: set around the adapter call that leads to `apply`. Synchronous,
   * like the flow's hot path (see flow-context.ts); the one `apply` that comes after an await, the
   * cluster adapter's local part of a broadcast, finds its delivery by the opts object instead.
   */
  readonly delivery = new SyncScope<Delivery>();
  readonly laterDeliveries = new WeakMap<object, Delivery>();
}
