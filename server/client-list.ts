/**
 * CLIENT LIST, read once for everyone who asks it (the hub's subscription report, the census of
 * other labs, the slow-subscriber watch): one entry per connection, its fields by Redis's own
 * names (`id`, `name`, `user`, `sub`, `psub`, `ssub`, `omem`...).
 */
import type { Redis } from 'ioredis';

export type ClientListEntry = Readonly<Record<string, string>>;

/** CLIENT LIST's text: a line per connection of `key=value` fields (a name never holds a space). */
export function parseClientList(list: string): ClientListEntry[] {
  const out: ClientListEntry[] = [];
  for (const line of list.split('\n')) {
    if (!line.trim()) continue;
    const entry: Record<string, string> = {};
    for (const field of line.trim().split(' ')) {
      const eq = field.indexOf('=');
      if (eq > 0) entry[field.slice(0, eq)] = field.slice(eq + 1);
    }
    out.push(entry);
  }
  return out;
}

/** Asks Redis over `c`; rejects as the command does (a user without the permission, say). */
export async function readClientList(c: Pick<Redis, 'call'>): Promise<ClientListEntry[]> {
  return parseClientList(String(await c.call('CLIENT', 'LIST')));
}
