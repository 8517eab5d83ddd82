/**
 * The body of `GET /api/lab` and of the hub's `lab` push: what the lab is made of right now.
 * Shared by the hub, the page and the lessons (docs/api.md describes each field).
 */
import type { AdapterKind, SubscriptionMode } from './events.ts';

export type RedisKind = 'external' | 'spawned' | 'embedded';

export interface LabInfo {
  redis: {
    /** The URL with any password removed. */
    url: string;
    kind: RedisKind;
    version: string;
    state: 'up' | 'down';
    /** Why this Redis was chosen, in one sentence. */
    reason: string;
    /** True when the lab runs this Redis itself, so it can stop and start it. */
    controllable: boolean;
  };
  adapter: AdapterKind;
  subscriptionMode: SubscriptionMode | null;
  /** The protocol of the servers' Redis connections: 3 is ioredis 6's default. */
  resp?: 2 | 3;
  /** Whether the lab's stray subscriber sits on the channel the adapter counts servers by. */
  straySubscriber?: boolean;
  monitor: { enabled: boolean; channel: string };
  servers: {
    id: string;
    port: number;
    state: 'up' | 'down' | 'crashed';
    clients: number;
    /**
     * `lab`: one of the hub's own servers, which the API can stop, crash, start and remove.
     * `remote`: a standalone server (`npm run server`) that joined this lab through its Redis and
     * its monitor channel; it runs in a process of its own, and only that process can stop it.
     * Absent in traces from before remote servers were listed: read it as `lab`.
     */
    kind?: 'lab' | 'remote';
  }[];
  clients: {
    id: string;
    kind: 'lab' | 'page';
    server: string;
    socketId?: string;
    state: 'connected' | 'disconnected';
    rooms: string[];
    /** The namespace, when not `/` (a lab client of /game, say). */
    nsp?: string;
  }[];
  /** The lesson that holds the lab, if any: one lesson runs at a time for the whole lab. */
  lesson: { id: string; title: string; step: number; holder: string } | null;
  /** Whether changing calls need a token (the hub is exposed beyond loopback). */
  auth: boolean;
}
