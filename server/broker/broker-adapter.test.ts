import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from './broker.ts';

/**
 * The point of the broker: the Socket.IO Redis adapters, on ioredis 6 in both protocols, work
 * against it unchanged. Two real servers, a real client on each, broadcasts across.
 */

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Factory = (
  pub: Redis,
  sub: Redis,
) => ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;

async function startNode(url: string, protocol: 2 | 3, adapter: Factory, name: string) {
  const pub = new Redis(url, { protocol, connectionName: `${name}-pub` });
  const sub = pub.duplicate({ connectionName: `${name}-sub` });
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: adapter(pub, sub) });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;
  cleanups.push(async () => {
    await io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
  });
  return { io, port };
}

async function client(port: number): Promise<ClientSocket> {
  const socket = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  cleanups.push(() => {
    socket.disconnect();
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

const adapters: [string, Factory, string][] = [
  ['classic', (pub, sub) => createAdapter(pub, sub), 'patterns'],
  ['sharded', (pub, sub) => createShardedAdapter(pub, sub), 'shardChannels'],
];

describe('Socket.IO Redis adapters on the embedded broker', () => {
  for (const [kind, factory, table] of adapters) {
    for (const protocol of [2, 3] as const) {
      it(`${kind} adapter, RESP${protocol}: a room broadcast from one server reaches the other`, async () => {
        let changed = () => {};
        const broker = await EmbeddedBroker.start({
          onEvent: (e) => e.type === 'subscriptions-changed' && changed(),
        });
        cleanups.push(() => broker.stop());
        /** Resolves once the broker's subscription tables satisfy `test`. */
        const tablesShow = async (
          test: (s: ReturnType<typeof broker.subscriptions>) => boolean,
        ) => {
          while (!test(broker.subscriptions())) {
            await new Promise<void>((resolve) => (changed = resolve));
          }
        };
        const a = await startNode(broker.url, protocol, factory, 'a');
        const b = await startNode(broker.url, protocol, factory, 'b');
        a.io.on('ping', (ack: (reply: string) => void) => ack('pong'));
        const onA = await client(a.port);
        await client(b.port);
        // Joining goes through Redis too: b asks, a joins its own socket.
        await b.io.in(onA.id!).socketsJoin('room-1');
        if (kind === 'sharded') {
          // In dynamic mode a then SSUBSCRIBEs the room's channel; b must not publish before.
          await tablesShow((s) => s.shardChannels.some((c) => c.name === 'socket.io#/#room-1#'));
        }
        const heard = new Promise((resolve) => onA.once('news', resolve));
        b.io.to('room-1').emit('news', { n: 1 });
        expect(await heard).toEqual({ n: 1 });
        // serverCount() is PUBSUB NUMSUB / SHARDNUMSUB: both servers must be seen.
        expect(await b.io.serverSideEmitWithAck('ping')).toEqual(['pong']);
        const sockets = await b.io.fetchSockets();
        expect(sockets).toHaveLength(2);
        const snapshot = broker.subscriptions() as unknown as Record<string, { name: string }[]>;
        expect(snapshot[table].length).toBeGreaterThan(0);
      });
    }
  }
});
