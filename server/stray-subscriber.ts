/**
 * A stray subscriber: a bare connection on the channel the adapter counts servers by, as when an
 * adapter is created twice or an old server lingers. The count goes up by one, so requests that
 * wait for every server (fetchSockets) wait for an answer that never comes, and time out.
 */
import { Redis } from 'ioredis';
import type { AdapterKind } from '../trace/events.ts';
import { baseOptions } from './redis-clients.ts';

export class StraySubscriber {
  private client: Redis | null = null;

  constructor(private readonly url: string) {}

  get active(): boolean {
    return this.client !== null;
  }

  /** Subscribes like a server of this adapter would; throws with Redis's reason if it can't. */
  async add(adapter: Exclude<AdapterKind, 'none'>): Promise<void> {
    if (this.client) return;
    const client = new Redis(this.url, { ...baseOptions('lab:stray'), maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    this.client = client;
    try {
      if (adapter === 'sharded') await client.ssubscribe('socket.io#/#');
      else await client.subscribe('socket.io-request#/#');
    } catch (err) {
      this.client = null;
      client.disconnect();
      throw err;
    }
  }

  async remove(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    await client.quit().catch(() => client.disconnect());
  }
}
