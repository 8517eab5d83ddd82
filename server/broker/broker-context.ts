import type { BlockedReads } from './blocked-reads.ts';
import type { AclUsers } from './acl-users.ts';
import type { ClientConnection } from './client-connection.ts';
import type { Keyspace } from './keyspace.ts';
import type { PubsubRegistry } from './pubsub-registry.ts';
import type { Transactions } from './transactions.ts';

/**
 * Things the lab shows about the broker as they happen. Each connection gets one
 * client-connected and one client-closed; a client-killed (with the reason) comes before the
 * client-closed of a connection the broker dropped.
 */
export type BrokerEvent =
  | { type: 'client-connected'; id: number; addr: string }
  | { type: 'client-closed'; id: number; name?: string }
  | {
      type: 'client-killed';
      reason:
        'output-buffer-limit' | 'protocol-error' | 'client-kill' | 'internal-error' | 'acl-revoked';
      id: number;
      name?: string;
      detail?: string;
    }
  | { type: 'subscriptions-changed' };

/** Redis's `client-output-buffer-limit pubsub <hard> <soft> <softSeconds>`, in bytes and seconds. */
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Redis's default for pub/sub clients: 32mb 8mb 60. */
export const DEFAULT_PUBSUB_OUTPUT_LIMIT: OutputLimit = {
  hard: 32 * 1024 * 1024,
  soft: 8 * 1024 * 1024,
  softSeconds: 60,
};

/** What commands may see and change: shared state of one running broker. */
export interface BrokerContext {
  readonly registry: PubsubRegistry;
  /** The stream and session keys of the Redis Streams adapter. */
  readonly keyspace: Keyspace;
  /** Clients waiting in XREAD BLOCK. */
  readonly blocked: BlockedReads;
  /** Clients between MULTI and EXEC. */
  readonly transactions: Transactions;
  readonly clients: Map<number, ClientConnection>;
  readonly monitors: Set<ClientConnection>;
  /** The ACL users; a restart forgets them, as a Redis without an ACL file does. */
  users: AclUsers;
  readonly port: number;
  readonly startedAt: number;
  readonly stats: { connectionsReceived: number; commandsProcessed: number };
  /** `client-output-buffer-limit` by class, as CONFIG SET left it; only `pubsub` is enforced. */
  readonly outputLimits: Record<'normal' | 'slave' | 'pubsub', OutputLimit>;
  emit(event: BrokerEvent): void;
  /**
   * Writes the client's queued output once everything readable in this event-loop turn has
   * been handled, the way Redis writes replies in beforeSleep: many reads, one write each.
   */
  flushLater(client: ClientConnection): void;
}
