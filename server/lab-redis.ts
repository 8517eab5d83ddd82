/**
 * The lab's standing on its Redis, which it may share with others: its id and channel key, the
 * user it logs in as and whether the channels are locked down (redis-acl.ts), the other labs
 * on the same Redis (monitor/lab-census.ts), and the outsider who publishes from no server of
 * the lab (outsider.ts). The Lab owns its servers and their lifecycle; this only tells it when
 * every connection must log in again.
 */
import type { AdapterKind, LabNotice } from '../trace/events.ts';
import type { OtherLab } from '../trace/lab-info.ts';
import { plural } from '../trace/plural.ts';
import type { RedisChoice } from './redis-finder.ts';
import { RedisAccess } from './redis-acl.ts';
import { LabCensus } from './monitor/lab-census.ts';
import {
  forgedBroadcast,
  outsiderPublish,
  type Forgery,
  type OutsiderMessage,
  type OutsiderResult,
} from './outsider.ts';
import { newLabId } from './lab-id.ts';

export interface LabRedisOptions {
  redis: RedisChoice;
  monitorChannel: string;
  labId?: string;
  key?: string;
  redisUser?: string;
  redisPassword?: string;
  adapter: () => AdapterKind;
  notice: (topic: LabNotice['topic'], text: string) => void;
  changed: () => void;
  /** Every connection of the lab logs in again, with `url`'s user. */
  reconnect: () => Promise<void>;
  onLog?: (line: string) => void;
}

export class LabRedis {
  readonly labId: string;
  readonly key: string;
  readonly access: RedisAccess;
  readonly census: LabCensus;

  constructor(private readonly o: LabRedisOptions) {
    this.labId = o.labId ?? newLabId();
    this.key = o.key ?? 'socket.io';
    this.access = new RedisAccess(o.redis, {
      key: this.key,
      monitorChannel: o.monitorChannel,
      user: o.redisUser,
      password: o.redisPassword,
    });
    this.census = new LabCensus({
      url: () => this.access.url,
      lab: this.labId,
      key: this.key,
      adapter: o.adapter,
      onNews: (text) => {
        o.onLog?.(text);
        o.notice('other-lab', text);
      },
      onChange: o.changed,
    });
  }

  /** What every connection of the lab uses: the Redis URL with the lab's user. */
  get url(): string {
    return this.access.url;
  }

  get otherLabs(): OtherLab[] {
    return this.census.list();
  }

  /** Before the servers start: a Redis the lab runs gets the user the flags name. */
  prepare(): Promise<void> {
    return this.access.prepare();
  }

  /** After the servers start: who else is on this Redis (the banner reports it). */
  look(): Promise<void> {
    return this.census.start();
  }

  /** Locks the channels down; the servers log in again as the lab's user first. */
  async lockDown(): Promise<{ user: string; rules: string[] }> {
    const result = await this.access.lock(async () => {
      this.census.reconnect();
      await this.o.reconnect();
    });
    this.o.notice(
      'acl',
      `Locked down: the servers log in as ${result.user}, which may use ${result.rules.join(' ')}; the default user has no channels left, so a PUBLISH from anyone else gets NOPERM.`,
    );
    this.o.changed();
    return result;
  }

  async unlock(): Promise<void> {
    if (!this.access.lockedDown) return;
    await this.access.unlock(async () => {
      this.census.reconnect();
      await this.o.reconnect();
    });
    this.o.notice(
      'acl',
      `Unlocked: the default user has its channels back, so anyone who reaches Redis can publish on them again; the servers log in as ${this.access.user}.`,
    );
    this.o.changed();
  }

  /** A Redis the lab restarted forgot its ACL users: the lab's user and lock come back. */
  afterRestart(): Promise<void> {
    return this.access.afterRestart();
  }

  /** Publishes as someone outside the lab, and says what Redis answered. */
  async outsiderPublish(m: OutsiderMessage | { forge: Forgery }): Promise<OutsiderResult> {
    const message = 'forge' in m ? forgedBroadcast(this.o.adapter(), this.key, m.forge) : m;
    const r = await outsiderPublish(this.access.url, this.labId, message);
    this.o.notice(
      'outsider',
      r.error
        ? `Someone outside the lab (user ${r.user}) tried ${r.command} on ${r.channel}: Redis refused it (${r.error}).`
        : `Someone outside the lab (user ${r.user}) sent ${r.command} ${r.channel} with ${r.bytes} bytes: Redis passed it to ${plural(r.receivers ?? 0, 'subscribed connection')}.`,
    );
    return r;
  }

  close(): void {
    this.census.close();
  }
}
