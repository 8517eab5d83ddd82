/**
 * `--adapter redis`: the classic @socket.io/redis-adapter (`createAdapter(pub, sub)`). Each
 * broadcast is one PUBLISH on the namespace's channel (or a room's, for a single room); every
 * server PSUBSCRIBEs to the namespace's pattern, gets every copy, its own included, and skips
 * its own by uid. Requests (fetchSockets, serverSideEmit, broadcasts with acks) go on a request
 * channel, answers on the response channels.
 */
import { createRedisPair } from '../redis-clients.ts';
import { classicFactory } from '../monitor/tap-classic.ts';
import { monitorAware } from '../monitor/tapped-adapters.ts';
import { need, type ServerMode } from './server-mode.ts';
import { guardedClassic } from './guard.ts';

export const redisMode: ServerMode = {
  id: 'redis',
  cluster: true,
  family: 'classic',
  connect: createRedisPair,
  create: (conns, { key, onDropped }) =>
    guardedClassic(need(conns).pub, need(conns).sub, key, onDropped ?? (() => undefined)),
  tapped: (tap, conns, { key }) =>
    monitorAware(classicFactory(tap, need(conns).pub, need(conns).sub, key)),
  wire: (key) => ({
    commands: [
      'sub: PSUBSCRIBE, SUBSCRIBE, PUNSUBSCRIBE, UNSUBSCRIBE',
      'pub: PUBLISH, PUBSUB NUMSUB',
    ],
    channels: [
      `${key}#<nsp>#*`,
      `${key}#<nsp>#<room>#`,
      `${key}-request#<nsp>#`,
      `${key}-response#<nsp>#`,
      `${key}-response#<nsp>#<uid>#`,
    ],
    keys: [],
  }),
  hooks: [
    'RedisAdapter.prototype.onmessage and onrequest, overridden by a subclass: receipts and decisions (tap-classic.ts)',
    "the adapter's parser (notepack.io), passed in: what it decoded, once",
    'Adapter.prototype.apply and broadcast, on the instance: deliveries (tapped-adapters.ts)',
    'ioredis publish and send_command on pub, messageBuffer/pmessageBuffer on sub (redis-tap.ts)',
  ],
};
