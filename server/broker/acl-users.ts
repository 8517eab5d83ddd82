/**
 * The broker's ACL users: the subset of Redis 7.0's ACL that locking a lab's channels down
 * needs. Users with passwords, on/off, command rules (`+@all`, `-@all`, `+publish`,
 * `-@dangerous`...) and channel rules (`&pattern`, `allchannels`, `resetchannels`), checked the
 * way Redis checks them: PUBLISH and SUBSCRIBE channels against the patterns as globs, PSUBSCRIBE
 * patterns literally. Selectors and ACL files are not served.
 *
 * Key rules (`~pattern`, `%R~`, `%W~`, `allkeys`, `resetkeys`) are kept and shown by ACL LIST,
 * but not checked. The broker does hold keys (the Streams adapter's stream and the session
 * strings it SETs and GETs), so this is a real difference: a user with no key rule may still
 * XADD, GET or SET any key here, where redis-server 7.0 answers `NOPERM this user has no
 * permissions to access one of the keys used as arguments`. Nothing the lab does depends on it:
 * the lock-down's user gets `~*`, and the default user keeps its keys (only its channels go).
 */
import { createHash } from 'node:crypto';
import type { CommandSpec } from './command-spec.ts';
import { globMatch } from './glob-match.ts';

/** Redis 7.0's ACL categories (ACL CAT). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

/** One `+x` or `-x` command rule: a command, `container|sub`, or `@category` (`@all` too). */
interface CommandRule {
  allow: boolean;
  name: string;
}

export interface AclUser {
  name: string;
  enabled: boolean;
  nopass: boolean;
  /** SHA-256 of each password, in hex, as Redis keeps them. */
  passwords: Set<string>;
  keys: string[];
  allChannels: boolean;
  channels: string[];
  /** Applied in order over "nothing allowed". */
  commands: CommandRule[];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

function newUser(name: string): AclUser {
  // Redis 7.0's defaults for a new user: off, no password, no keys, no channels, no commands.
  return {
    name,
    enabled: false,
    nopass: false,
    passwords: new Set(),
    keys: [],
    allChannels: false,
    channels: [],
    commands: [],
  };
}

/** A rule's match on a command: the command, its container, or one of its categories. */
function ruleMatches(rule: CommandRule, spec: CommandSpec): boolean {
  if (rule.name === '@all') return true;
  if (rule.name.startsWith('@')) return spec.categories.includes(rule.name);
  return rule.name === spec.name || rule.name === spec.name.split('|')[0];
}

export class AclUsers {
  private readonly users = new Map<string, AclUser>();

  constructor(
    /** Looks a command up by name, to refuse rules that name one Redis would not know. */
    private readonly knows: (name: string) => boolean,
    defaultPassword?: string,
  ) {
    const user = newUser('default');
    user.enabled = true;
    user.keys = ['~*'];
    user.allChannels = true;
    user.commands = [{ allow: true, name: '@all' }];
    if (defaultPassword === undefined) user.nopass = true;
    else user.passwords.add(sha256(defaultPassword));
    this.users.set('default', user);
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  names(): string[] {
    return [...this.users.keys()].sort();
  }

  /** A new connection is logged in as `default` when that user needs no password. */
  get defaultOpen(): boolean {
    const d = this.users.get('default')!;
    return d.enabled && d.nopass;
  }

  /** AUTH's check: an enabled user, and one of its passwords (or nopass). */
  check(name: string, password: string): boolean {
    const user = this.users.get(name);
    if (!user?.enabled) return false;
    return user.nopass || user.passwords.has(sha256(password));
  }

  /** Applies ACL SETUSER's rules in order; the error Redis replies, or undefined. */
  setUser(name: string, rules: string[]): string | undefined {
    if (/[\s\0]/.test(name)) return "ERR Usernames can't contain spaces or null characters";
    const user = structuredCloneUser(this.users.get(name) ?? newUser(name));
    for (const rule of rules) {
      const problem = this.apply(user, rule);
      if (problem) return `ERR Error in ACL SETUSER modifier '${rule}': ${problem}`;
    }
    this.users.set(name, user);
    return undefined;
  }

  delete(name: string): boolean {
    return this.users.delete(name);
  }

  private apply(user: AclUser, rule: string): string | undefined {
    const lower = rule.toLowerCase();
    if (lower === 'on') user.enabled = true;
    else if (lower === 'off') user.enabled = false;
    else if (lower === 'nopass') {
      user.nopass = true;
      user.passwords.clear();
    } else if (lower === 'resetpass') {
      user.nopass = false;
      user.passwords.clear();
    } else if (rule.startsWith('>')) {
      user.passwords.add(sha256(rule.slice(1)));
      user.nopass = false;
    } else if (rule.startsWith('<')) user.passwords.delete(sha256(rule.slice(1)));
    else if (rule.startsWith('#') || rule.startsWith('!')) {
      if (!/^[0-9a-f]{64}$/.test(rule.slice(1)))
        return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
      if (rule.startsWith('#')) {
        user.passwords.add(rule.slice(1));
        user.nopass = false;
      } else user.passwords.delete(rule.slice(1));
    } else if (lower === 'allkeys') user.keys = ['~*'];
    else if (lower === 'resetkeys') user.keys = [];
    else if (/^%?(r|w|rw)?~/i.test(rule)) user.keys.push(rule);
    else if (lower === 'allchannels') {
      user.allChannels = true;
      user.channels = [];
    } else if (lower === 'resetchannels') {
      user.allChannels = false;
      user.channels = [];
    } else if (rule.startsWith('&')) {
      if (rule === '&*') {
        user.allChannels = true;
        user.channels = [];
      } else if (!user.allChannels && !user.channels.includes(rule.slice(1)))
        user.channels.push(rule.slice(1));
    } else if (lower === 'allcommands') user.commands = [{ allow: true, name: '@all' }];
    else if (lower === 'nocommands') user.commands = [];
    else if (rule.startsWith('+') || rule.startsWith('-')) {
      const name = rule.slice(1).toLowerCase();
      const known = name.startsWith('@')
        ? name === '@all' || ACL_CATEGORIES.includes(name.slice(1))
        : this.knows(name);
      if (!known) return 'Unknown command or category name in ACL';
      const allow = rule.startsWith('+');
      // `+@all` and `-@all` start over; nothing allowed is how every list begins.
      if (name === '@all') user.commands = allow ? [{ allow, name }] : [];
      else user.commands.push({ allow, name });
    } else if (lower === 'reset') Object.assign(user, newUser(user.name));
    else return 'Syntax error';
    return undefined;
  }

  /** Whether `user` may run the command at all (before its channels are looked at). */
  canRun(name: string, spec: CommandSpec): boolean {
    const user = this.users.get(name);
    if (!user) return false;
    let allowed = false;
    for (const rule of user.commands) if (ruleMatches(rule, spec)) allowed = rule.allow;
    return allowed;
  }

  /**
   * Whether `user` may use a channel: a glob match for PUBLISH and SUBSCRIBE, an exact match
   * for a PSUBSCRIBE pattern (Redis 7 checks patterns literally).
   */
  mayUse(name: string, channel: string, literal: boolean): boolean {
    const user = this.users.get(name);
    if (!user) return false;
    if (user.allChannels) return true;
    return user.channels.some((p) => (literal ? p === channel : globMatch(p, channel)));
  }

  /** One line of ACL LIST, in Redis's order of fields. */
  describe(user: AclUser): string {
    const parts = ['user', user.name, user.enabled ? 'on' : 'off'];
    if (user.nopass) parts.push('nopass');
    for (const h of user.passwords) parts.push(`#${h}`);
    parts.push(...user.keys);
    if (user.allChannels) parts.push('&*');
    else parts.push('resetchannels', ...user.channels.map((c) => `&${c}`));
    const [first] = user.commands;
    if (!(first?.allow && first.name === '@all')) parts.push('-@all');
    for (const r of user.commands) parts.push(`${r.allow ? '+' : '-'}${r.name}`);
    return parts.join(' ');
  }
}

function structuredCloneUser(u: AclUser): AclUser {
  return {
    ...u,
    passwords: new Set(u.passwords),
    keys: [...u.keys],
    channels: [...u.channels],
    commands: u.commands.map((r) => ({ ...r })),
  };
}
