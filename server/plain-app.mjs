/**
 * The plain app: the original demo the way people write it, in plain JavaScript. One Socket.IO
 * server, the Redis adapter on a pub client and its duplicate, and `io.emit` for every chat
 * message, with none of the lab's guards around the adapter. The lab runs it as a child process
 * (server/plain-app-runner.ts), so that what kills a plain app kills only this process.
 *
 *   node server/plain-app.mjs <port> <redis url> <guard 0|1> <offline queue 0|1>
 *
 * It prints one JSON line per thing that happens. A crash is Node's own report on stderr.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-adapter';

const [port, url, guard, offlineQueue] = process.argv.slice(2);
const say = (what, text) => console.log(JSON.stringify({ what, text }));

// Offline queue 0: the lab's own setting, a PUBLISH fails at once while Redis is away.
// Offline queue 1: ioredis's default, a PUBLISH waits for a reconnect, 20 retries at most.
const pubClient = new Redis(url, offlineQueue === '1' ? {} : { enableOfflineQueue: false });
// The subscriber keeps its queue: the adapter subscribes in its constructor, maybe before "ready".
const subClient = pubClient.duplicate({ enableOfflineQueue: true });

if (guard === '1') {
  // The fix. The adapter calls pubClient.publish() and never handles the promise it returns; with
  // Redis away that promise rejects, and Node ends a process on a rejection nobody handles.
  process.on('unhandledRejection', (reason) => {
    say('output', `unhandled rejection, logged and survived: ${reason?.message ?? reason}`);
  });
  // Connection errors have listeners here, so ioredis hands them over instead of the adapter
  // printing "missing 'error' handler". Said once per outage: ioredis retries for ever.
  for (const [name, client] of [
    ['pub', pubClient],
    ['sub', subClient],
  ]) {
    let last = '';
    client.on('ready', () => (last = ''));
    client.on('error', (err) => {
      if (err.message !== last) say('output', `${name} connection: ${err.message}`);
      last = err.message;
    });
  }
}

// Both connections ready first, so that the first chat message does not find pub still connecting.
await Promise.all([pubClient, subClient].map((c) => new Promise((ok) => c.once('ready', ok))));
const httpServer = http.createServer();
const io = new Server(httpServer, { cors: { origin: true } });
io.adapter(createAdapter(pubClient, subClient));
io.on('connection', (socket) => {
  socket.on('chat message', (msg) => {
    io.emit('chat message', msg);
  });
});
httpServer.listen(Number(port), '127.0.0.1', () => say('listening', `port ${port}`));
process.on('SIGTERM', () => process.exit(0));
