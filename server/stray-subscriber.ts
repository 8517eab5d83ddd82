/**
 * A stray subscriber: a bare connection on the channel the adapter counts servers by, as when an
 * adapter is created twice or an old server lingers. The count goes up by one, so requests that
 * wait for every server (fetchSockets) wait for an answer that never comes, and time out.
 *
 * On a Redis Cluster it subscribes the way the servers do, through an ioredis `Cluster`: a classic
 * SUBSCRIBE sits on whichever node ioredis picks (every node hears every PUBLISH over the bus, and
 * the adapter sums PUBSUB NUMSUB over the nodes), an SSUBSCRIBE on the node that owns the
 * channel's slot (ioredis's `shardedSubscribers`), where the adapter's PUBSUB SHARDNUMSUB counts it.
 */
import { Cluster, Redis } from 'ioredis';
import {
  clusterOptions,
  guardShardedSubscribers,
  startupNodes,
} from './redis-cluster/cluster-clients.ts';
import type { AdapterKind } from '../trace/events.ts';
import { baseOptions, guardResubscribe, labConnectionName, quitAll } from './redis-clients.ts';
import { LabError } from './lab-error.ts';

export class StraySubscriber {
  private client: Redis | Cluster | null = null;

  /**
   * `url` is asked at each add (the lab may log in as another user by then); `notice` tells the
   * class when it joins and leaves; `key` and `lab` are the lab's channel prefix and id.
   */
  constructor(
    private readonly url: () => string,
    private readonly notice: (text: string) => void = () => undefined,
    private readonly key = 'socket.io',
    private readonly lab?: string,
    /** With --redis-cluster: the cluster's URLs, which the adapters use instead of `url`. */
    private readonly clusterUrls: () => string[] | undefined = () => undefined,
  ) {}

  get active(): boolean {
    return this.client !== null;
  }

  /** Subscribes like a server of this adapter would; a 409 with the reason if it can't. */
  async add(adapter: AdapterKind): Promise<void> {
    if (adapter === 'none') {
      throw new LabError(
        409,
        'With adapter none nothing counts servers; switch to the redis or sharded adapter first.',
      );
    }
    if (this.client) return;
    const name = labConnectionName('stray', this.lab);
    const urls = this.clusterUrls();
    const client = urls?.length
      ? new Cluster(
          startupNodes(urls),
          clusterOptions(urls, name, {
            shardedSubscribers: adapter === 'sharded',
            redisOptions: { maxRetriesPerRequest: 1 },
          }),
        )
      : new Redis(this.url(), { ...baseOptions(name), maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    if (client instanceof Cluster && adapter === 'sharded') guardShardedSubscribers(client);
    const subscribe = () =>
      adapter === 'sharded'
        ? client.ssubscribe(`${this.key}#/#`)
        : client.subscribe(`${this.key}-request#/#`);
    // A Cluster re-subscribes through a subscriber of its own, and catches that itself.
    if (client instanceof Redis)
      guardResubscribe(client, () => {
        // ioredis's re-subscribe after an outage failed: removed meanwhile (the API fuzz found it
        // as an unhandled rejection), or Redis went away again before it answered and the
        // connection gave up on it (maxRetriesPerRequest 1), and then it comes back subscribed
        // to nothing. Still the stray: subscribe again once it is back.
        if (this.client === client)
          client.once('ready', () => void subscribe().catch(() => undefined));
      });
    this.client = client;
    try {
      await subscribe();
    } catch (err) {
      this.client = null;
      client.disconnect();
      throw new LabError(
        409,
        `The stray subscriber could not subscribe (${(err as Error).message}); is Redis up?`,
      );
    }
    this.notice(
      'A stray subscriber joined the channel the adapter counts servers by: requests now wait for one server too many.',
    );
  }

  async remove(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    // A Cluster quits as a Redis does (status, quit, disconnect): quitAll takes either.
    await quitAll([client as Redis]);
    this.notice('The stray subscriber left: the server count is right again.');
  }
}
