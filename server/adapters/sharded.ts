/**
 * `--adapter sharded`: @socket.io/redis-adapter's `createShardedAdapter(pub, sub)`. Each
 * broadcast is one SPUBLISH on a shard channel; no patterns. In `dynamic` mode a broadcast to
 * one room goes on that room's channel, which only servers with members in it SSUBSCRIBE to.
 * Needs Redis 7. The adapter's README says it does not work with ioredis on a Redis Cluster.
 */
import { createRedisPair } from '../redis-clients.ts';
import { shardedFactory } from '../monitor/tap-sharded.ts';
import { monitorAware } from '../monitor/tapped-adapters.ts';
import { need, type ServerMode } from './server-mode.ts';
import { guardedSharded } from './guard.ts';

export const shardedMode: ServerMode = {
  id: 'sharded',
  minRedisMajor: 7,
  cluster: true,
  family: 'sharded',
  connect: createRedisPair,
  create: (conns, { key, subscriptionMode, onDropped }) =>
    guardedSharded(
      need(conns).pub,
      need(conns).sub,
      { mode: subscriptionMode, key },
      onDropped ?? (() => undefined),
    ),
  tapped: (tap, conns, { key, subscriptionMode }) =>
    monitorAware(
      shardedFactory(tap, need(conns).pub, need(conns).sub, { mode: subscriptionMode, key }),
    ),
  wire: (key) => ({
    commands: ['sub: SSUBSCRIBE, SUNSUBSCRIBE', 'pub: SPUBLISH, PUBSUB SHARDNUMSUB'],
    channels: [`${key}#<nsp>#`, `${key}#<nsp>#<room>#`, `${key}#<nsp>#<uid>#`],
    keys: [],
  }),
  hooks: [
    'onRawMessage, replaced on each instance (its class is not exported): receipts and decisions (tap-sharded.ts)',
    'Adapter.prototype.apply and broadcast, on the instance: deliveries (tapped-adapters.ts)',
    'ioredis spublish and send_command on pub, smessageBuffer on sub (redis-tap.ts)',
  ],
};
