/**
 * The bench's baseline: the original demo written plainly, the way people write it, and run with
 * plain `node` (no tsx, no code of the lab). Three Socket.IO servers in one process, each with
 * the Redis adapter on an ioredis client and its duplicate, and `io.emit` for every chat message.
 *
 *   node bench/plain-servers.mjs <redis url> <base port>
 *
 * Prints `listening` once all three listen; exits on SIGINT or SIGTERM.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-adapter';

const [url, basePort] = process.argv.slice(2);

for (let i = 0; i < 3; i++) {
  const pubClient = new Redis(url);
  const subClient = pubClient.duplicate();
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  io.adapter(createAdapter(pubClient, subClient));
  io.on('connection', (socket) => {
    socket.on('chat message', (msg) => {
      io.emit('chat message', msg);
    });
  });
  await new Promise((resolve) => httpServer.listen(Number(basePort) + i, '127.0.0.1', resolve));
}
console.log('listening');
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
