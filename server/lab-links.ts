/**
 * The lab's links to Redis, one relay per server of its own (server/redis-link.ts): what
 * `POST /api/servers/{id}/cut` and `/heal` act on. A link outlives its server's restarts (it is
 * the network, not the process) and goes when the server is removed.
 */
import { LabError } from './lab-error.ts';
import { RedisLink } from './redis-link.ts';

export type CutMode = 'reset' | 'freeze' | 'slow';

export class LabLinks {
  private readonly links = new Map<string, RedisLink>();
  /** Slow subscribers the lab watches until Redis drops them (slow-subscriber.ts). */
  private readonly watches = new Map<string, () => void>();

  /** `target` gives Redis's URL as the lab reaches it now. */
  constructor(private readonly target: () => string) {}

  /** The link of server `id`, made on first use (it listens when the server starts). */
  of(id: string): RedisLink {
    let link = this.links.get(id);
    if (!link) {
      link = new RedisLink(this.target);
      this.links.set(id, link);
    }
    return link;
  }

  /** Cuts (connections reset) or freezes (nothing passes) server `id`'s network to Redis. */
  cut(id: string, mode: Exclude<CutMode, 'slow'>, hasAdapter: boolean): 'cut' | 'frozen' {
    this.needsAdapter(id, hasAdapter);
    this.unslow(id);
    const link = this.of(id);
    if (mode === 'freeze') link.freeze();
    else link.cut();
    return link.state === 'frozen' ? 'frozen' : 'cut';
  }

  private needsAdapter(id: string, hasAdapter: boolean): void {
    if (!hasAdapter)
      throw new LabError(
        409,
        `${id} has no adapter, so no connection to Redis to cut; rebuild the lab with an adapter first.`,
      );
  }

  /** Server `id`'s sub connection, from local port `port`, stops reading what Redis sends. */
  stall(id: string, port: number | undefined, hasAdapter: boolean): void {
    this.needsAdapter(id, hasAdapter);
    const link = this.of(id);
    if (link.state !== 'open')
      throw new LabError(409, `${id}'s link to Redis is ${link.state}; heal it first.`);
    if (port === undefined || !link.stall(port))
      throw new LabError(
        409,
        `${id}'s sub connection is not on Redis through the lab's relay right now; wait for it to reconnect.`,
      );
  }

  /** Keeps the watch of server `id`'s slow subscriber, to stop it when the episode ends. */
  watch(id: string, stop: () => void): void {
    this.watches.set(id, stop);
  }

  /** Ends a slow episode: the watch stops and the connection reads again. True if there was one. */
  unslow(id: string): boolean {
    const stop = this.watches.get(id);
    this.watches.delete(id);
    stop?.();
    const link = this.links.get(id);
    if (link?.state !== 'slow') return false;
    link.resume();
    return true;
  }

  heal(id: string): void {
    this.unslow(id);
    this.links.get(id)?.heal();
  }

  /** Heals every link, and forgets those of servers gone; answers the ids that were not open. */
  async healAll(): Promise<string[]> {
    const healed: string[] = [];
    for (const [id, link] of this.links) {
      const wasSlow = this.unslow(id);
      if (link.state === 'open' && !wasSlow) continue;
      link.heal();
      healed.push(id);
    }
    await this.closeAll();
    return healed;
  }

  async remove(id: string): Promise<void> {
    this.unslow(id);
    const link = this.links.get(id);
    this.links.delete(id);
    await link?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.links.keys()].map((id) => this.remove(id)));
  }
}
