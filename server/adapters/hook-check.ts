/**
 * The start-up self-check of every library internal the lab's tap hooks (server/monitor/): the
 * private and protected methods of the adapters, ioredis's command methods, socket.io-adapter's
 * wire constants and engine.io's parsed query. These are not public API, so an upgrade can move
 * them; the tap would then keep running and quietly report every receipt as "ignored". Instead
 * the lab refuses to start, with one sentence naming the hook and the versions it found.
 *
 * Hooks bound at construction (the sharded adapter patches its instance's `onRawMessage`; its
 * class is not exported) are checked where the tap takes them, with `requireHook`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RedisAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Adapter, ClusterAdapter, MessageType } from 'socket.io-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { LabError } from '../lab-error.ts';

const require = createRequire(import.meta.url);

/** One internal the tap relies on, and how to see that it is there. */
export interface Hook {
  /** The npm package it belongs to. */
  pkg: string;
  /** What the tap hooks, as a reader would look it up (`RedisAdapter.prototype.onmessage`). */
  name: string;
  present: () => boolean;
}

const method = (owner: object, name: string) => () =>
  typeof (owner as Record<string, unknown>)[name] === 'function';

/** engine.io's build, where it parses the query the lab client names itself in. */
function engineSource(): string {
  const fromSocketIo = createRequire(require.resolve('socket.io'));
  return readFileSync(join(dirname(fromSocketIo.resolve('engine.io')), 'server.js'), 'utf8');
}

export const HOOKS: readonly Hook[] = [
  // Overridden by a subclass (tap-classic.ts): the adapter binds them to its Redis listeners.
  ...['onmessage', 'onrequest'].map((name) => ({
    pkg: '@socket.io/redis-adapter',
    name: `RedisAdapter.prototype.${name}`,
    present: method(RedisAdapter.prototype, name),
  })),
  ...['apply', 'broadcast', 'broadcastWithAck', 'fetchSockets', 'serverSideEmit'].map((name) => ({
    pkg: 'socket.io-adapter',
    name: `Adapter.prototype.${name}`,
    present: method(Adapter.prototype, name),
  })),
  // The sharded adapter's wire types, which decode.ts names and the tap's request hooks read.
  ...(['BROADCAST', 'FETCH_SOCKETS', 'SERVER_SIDE_EMIT'] as const).map((name) => ({
    pkg: 'socket.io-adapter',
    name: `MessageType.${name}`,
    present: () => typeof (MessageType as Record<string, unknown>)[name] === 'number',
  })),
  ...[
    'send_command',
    'publish',
    'spublish',
    'subscribe',
    'psubscribe',
    'ssubscribe',
    // The streams adapter's commands, and the copies it makes (server/adapters/streams.ts).
    'xadd',
    'xread',
    'xrange',
    'duplicate',
  ].map((name) => ({
    pkg: 'ioredis',
    name: `Redis.prototype.${name}`,
    present: method(Redis.prototype, name),
  })),
  {
    // The streams adapter takes a client with sSubscribe for node-redis, and then breaks on ioredis.
    pkg: 'ioredis',
    name: 'the absence of Redis.prototype.sSubscribe (the streams adapter would take ioredis for node-redis)',
    present: () => !method(Redis.prototype, 'sSubscribe')(),
  },
  {
    pkg: '@socket.io/redis-streams-adapter',
    name: 'createAdapter',
    present: () => typeof createStreamsAdapter === 'function',
  },
  // Looked up on each instance (the class is not exported); its parent is exported.
  ...['onMessage', 'onResponse'].map((name) => ({
    pkg: 'socket.io-adapter',
    name: `ClusterAdapter.prototype.${name}`,
    present: method(ClusterAdapter.prototype, name),
  })),
  {
    pkg: 'engine.io',
    name: "the handshake request's _query (the lab client's name)",
    present: () => engineSource().includes('req._query'),
  },
];

/** The installed version of `pkg`, found from its entry point (its exports may hide package.json). */
export function versionOf(pkg: string): string {
  try {
    const base = pkg === 'engine.io' ? createRequire(require.resolve('socket.io')) : require;
    let dir = dirname(base.resolve(pkg));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (json.name === pkg) return json.version ?? '?';
      } catch {
        // no package.json at this level: look further up
      }
    }
  } catch {
    // not installed
  }
  return 'not found';
}

/** A LabError, so the command line prints the sentence and exits instead of a stack. */
export class HookMissing extends LabError {
  constructor(
    readonly hook: Pick<Hook, 'pkg' | 'name'>,
    detail = 'is missing',
  ) {
    super(
      409,
      `The lab cannot watch ${hook.pkg} ${versionOf(hook.pkg)}: ${hook.name} ${detail}, and the monitor hooks it. ` +
        `Install the version package.json pins (npm ci), or update the tap in server/monitor/ for this version.`,
    );
    this.name = 'HookMissing';
  }
}

/** Throws HookMissing for the first hook that is not there. */
export function checkHooks(hooks: readonly Hook[] = HOOKS): void {
  for (const hook of hooks) {
    let ok: boolean;
    try {
      ok = hook.present();
    } catch {
      // A lookup that throws (a file gone, a getter) is as missing as an absent method.
      ok = false;
    }
    if (!ok) throw new HookMissing(hook);
  }
}

/** The streams adapter's methods the tap replaces on each instance (tap-streams.ts). */
export const STREAMS_INSTANCE_HOOKS = ['onRawMessage', 'onMessage', 'restoreSession'] as const;

/** For hooks bound at construction: the method `name` of `target`, or HookMissing. */
export function requireHook<T>(target: T, pkg: string, name: string): T {
  const value = (target as Record<string, unknown> | null)?.[name.split(/[.#]/).pop() ?? name];
  if (typeof value !== 'function') throw new HookMissing({ pkg, name });
  return target;
}
