/**
 * Who the lab is to Redis. By default every connection logs in as Redis's `default` user, as a
 * plain app would; with `--redis-user`/`--redis-password` (or a URL with `user:password@`) it logs
 * in as that ACL user. On a Redis the lab started itself it also creates that user, with the
 * channel permissions the lab needs and no others, and it can lock the channels down: the
 * `default` user, which is what anyone who reaches Redis gets, loses its channels, so a forged
 * PUBLISH gets `NOPERM` (lessons/30-who-may-publish.md).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withConnection } from './redis-clients.ts';
import type { RedisChoice } from './redis-finder.ts';
import { LabError } from './lab-error.ts';

/** A URL with the given credentials (or its own, when none are given). */
export function withCredentials(url: string, user?: string, password?: string): string {
  if (!user && password === undefined) return url;
  const u = new URL(url);
  if (user) u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}

/** The ACL user a URL logs in as: `default` unless it names one. */
export function userOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || 'default';
  } catch {
    return 'default';
  }
}

/** A glob that matches exactly `channel` (ACL channel rules are globs). */
function literal(channel: string): string {
  return channel.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The channel rules the lab's servers need. PSUBSCRIBE is checked literally against the rules
 * (Redis 7: a pattern subscription must name an allowed pattern exactly), so the broadcast rule
 * is the adapter's own pattern, `socket.io#/#*`, which also covers every room channel to PUBLISH.
 */
export function labChannelRules(key: string, monitorChannel: string): string[] {
  return [
    `&${literal(key)}#/#*`,
    `&${literal(key)}-request#/#*`,
    `&${literal(key)}-response#/#*`,
    `&${literal(monitorChannel)}`,
    // Standalone servers and the hub find each other there (lab-roster.ts).
    `&${literal(monitorChannel)}:roster`,
  ];
}

/** One admin command, as the managed Redis's default user. */
function admin<T>(url: string, job: (c: Redis) => Promise<T>): Promise<T> {
  return withConnection(url, 'lab:acl', job);
}

export interface AccessOptions {
  key: string;
  monitorChannel: string;
  /** The user and password from the flags, if any (they win over the URL's). */
  user?: string;
  password?: string;
}

/**
 * The lab's standing with its Redis: the user its connections log in as, and whether the
 * channels are locked down. `url` is what every connection of the lab uses.
 */
export class RedisAccess {
  private current: string;
  /** Who the lab was before a lock-down made it log in as `fanout`: it goes back on unlock. */
  private readonly original: string;
  /** The user the lab made on a Redis it runs (re-made when that Redis restarts). */
  private made: { user: string; password: string } | undefined;
  /** The default user's channel rules before the lock-down, to give back. */
  private savedDefault: string[] | undefined;

  constructor(
    private readonly choice: RedisChoice,
    private readonly o: AccessOptions,
  ) {
    this.current = withCredentials(choice.url, o.user, o.password);
    this.original = this.current;
  }

  get url(): string {
    return this.current;
  }

  get user(): string {
    return userOf(this.current);
  }

  get lockedDown(): boolean {
    return this.savedDefault !== undefined;
  }

  get rules(): string[] {
    return labChannelRules(this.o.key, this.o.monitorChannel);
  }

  /** Where the lab's own admin commands go: the managed Redis's default user, as it started. */
  private get adminUrl(): string {
    const managed = this.choice.managed;
    if (!managed) {
      throw new LabError(
        409,
        `The lab changes the ACL only of a Redis it started itself, and this one is ${this.choice.kind} (${this.choice.reason}): other programs may rely on its default user. Run the lab without --redis, or lock it down yourself with ACL SETUSER.`,
      );
    }
    // The chaos suite's API fuzz got a 500 (ECONNREFUSED) from an unlock while Redis was stopped.
    if (!managed.running)
      throw new LabError(
        409,
        'Redis is stopped, so the lab cannot change its ACL now: start it first (POST /api/redis/start); a lock-down stays as it was.',
      );
    return managed.url;
  }

  /** On a Redis the lab runs, makes the user the flags name; elsewhere the user must exist. */
  async prepare(): Promise<void> {
    if (!this.choice.managed || this.user === 'default') return;
    const password = decodeURIComponent(new URL(this.current).password);
    await this.makeUser(this.user, password);
  }

  private async makeUser(user: string, password: string): Promise<void> {
    await admin(this.adminUrl, (c) =>
      c.call(
        'ACL',
        'SETUSER',
        user,
        'reset',
        'on',
        `>${password}`,
        '~*',
        'resetchannels',
        ...this.rules,
        '+@all',
      ),
    );
    this.made = { user, password };
  }

  /**
   * Gives the lab's servers a user of their own with the lab's channels, and takes every channel
   * away from `default`. A lab that logs in as `default` logs in again as `fanout` first
   * (`reconnect`): Redis drops a user's subscribers when it takes their channels away.
   */
  async lock(reconnect: () => Promise<void>): Promise<{ user: string; rules: string[] }> {
    const adminUrl = this.adminUrl;
    if (!this.lockedDown) {
      if (this.user === 'default') {
        const password = randomBytes(12).toString('hex');
        await this.makeUser('fanout', password);
        this.current = withCredentials(this.choice.url, 'fanout', password);
        await reconnect();
      } else if (this.made) await this.makeUser(this.made.user, this.made.password);
      const line = await admin(adminUrl, (c) => c.call('ACL', 'LIST'));
      this.savedDefault = channelRulesOf(line as string[], 'default');
      await admin(adminUrl, (c) => c.call('ACL', 'SETUSER', 'default', 'resetchannels'));
    }
    return { user: this.user, rules: this.rules };
  }

  /**
   * Gives `default` its channels back, and the lab logs in again as it did before the lock-down.
   * (The `fanout` user stays defined, unused; the next lock-down gives it a new password.)
   */
  async unlock(reconnect: () => Promise<void>): Promise<void> {
    const saved = this.savedDefault;
    if (!saved) return;
    await admin(this.adminUrl, (c) =>
      c.call('ACL', 'SETUSER', 'default', 'resetchannels', ...saved),
    );
    this.savedDefault = undefined;
    if (this.current === this.original) return;
    this.current = this.original;
    await reconnect();
  }

  /** A restarted Redis forgot its ACL users: make the lab's again, and lock again if it was. */
  async afterRestart(): Promise<void> {
    if (!this.choice.managed) return;
    if (this.made) await this.makeUser(this.made.user, this.made.password);
    if (this.savedDefault)
      await admin(this.adminUrl, (c) => c.call('ACL', 'SETUSER', 'default', 'resetchannels'));
  }
}

/** The channel rules of one user in ACL LIST (`user default on nopass ~* &* +@all`). */
export function channelRulesOf(list: string[], user: string): string[] {
  const line = list.find((l) => l.startsWith(`user ${user} `));
  if (!line) return ['allchannels'];
  return line
    .split(' ')
    .filter((t) => t.startsWith('&') || t === 'allchannels' || t === 'resetchannels')
    .filter((t) => t !== 'resetchannels');
}
