/**
 * A plain Socket.IO server with the real Redis adapter and none of the lab's hooks, as an app
 * would run it: `node tests/support/plain-server.mjs <redis-url> <redis|sharded>`. It prints
 * `ready <port>` once its subscriptions are in place. The hostile-traffic suite checks that what
 * the lab says a plain server would do (die, or drop a message) is what this one does.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { Redis } from 'ioredis';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';

const [url, adapter = 'redis'] = process.argv.slice(2);
const pub = new Redis(url, { connectionName: 'plain:pub' });
const sub = pub.duplicate({ connectionName: 'plain:sub' });
const httpServer = http.createServer();
const io = new Server(httpServer, {
  adapter:
    adapter === 'sharded'
      ? createShardedAdapter(pub, sub, { subscriptionMode: 'static' })
      : createAdapter(pub, sub),
});
io.on('connection', (socket) => socket.emit('hello'));
// Commands on one connection are answered in order: once PING is, the subscriptions are in.
await sub.ping();
httpServer.listen(0, '127.0.0.1', () => console.log(`ready ${httpServer.address().port}`));
