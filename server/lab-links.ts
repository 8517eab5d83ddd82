/**
 * The lab's links to Redis, one relay per server of its own (server/redis-link.ts): what
 * `POST /api/servers/{id}/cut` and `/heal` act on. A link outlives its server's restarts (it is
 * the network, not the process) and goes when the server is removed.
 */
import { LabError } from './lab-error.ts';
import { RedisLink } from './redis-link.ts';

export type CutMode = 'reset' | 'freeze';

export class LabLinks {
  private readonly links = new Map<string, RedisLink>();

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
  cut(id: string, mode: CutMode, hasAdapter: boolean): 'cut' | 'frozen' {
    if (!hasAdapter)
      throw new LabError(
        409,
        `${id} has no adapter, so no connection to Redis to cut; rebuild the lab with an adapter first.`,
      );
    const link = this.of(id);
    if (mode === 'freeze') link.freeze();
    else link.cut();
    return link.state === 'frozen' ? 'frozen' : 'cut';
  }

  heal(id: string): void {
    this.links.get(id)?.heal();
  }

  /** Heals every link, and forgets those of servers gone; answers the ids that were not open. */
  async healAll(): Promise<string[]> {
    const healed: string[] = [];
    for (const [id, link] of this.links) {
      if (link.state === 'open') continue;
      link.heal();
      healed.push(id);
    }
    await this.closeAll();
    return healed;
  }

  async remove(id: string): Promise<void> {
    const link = this.links.get(id);
    this.links.delete(id);
    await link?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.links.keys()].map((id) => this.remove(id)));
  }
}
