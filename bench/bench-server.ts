/**
 * The server side of the lab benchmark, in a process of its own so its CPU and memory can be
 * measured apart from the clients. Modes:
 * - baseline: the original demo's setup written plainly (socket.io + redis-adapter, no lab code);
 * - lab-off: the lab's servers with the monitor off;
 * - lab-on: the lab's servers with the monitor on (the driver attaches a viewer).
 * It tells the driver over IPC when it is ready and answers `usage` requests.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { startLab } from '../server/start-lab.ts';
import { redisVersion } from '../server/redis-finder.ts';

const [mode, redisUrl, basePortText, hubPortText] = process.argv.slice(2);
const basePort = Number(basePortText);
const SERVERS = 3;

async function baseline(): Promise<() => Promise<void>> {
  const closers: (() => Promise<void>)[] = [];
  for (let i = 0; i < SERVERS; i++) {
    const httpServer = http.createServer();
    const io = new Server(httpServer);
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    io.adapter(createAdapter(pub, sub));
    io.on('connection', (socket) =>
      socket.on('chat message', (msg) => io.emit('chat message', msg)),
    );
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(basePort + i, '127.0.0.1', resolve);
    });
    closers.push(async () => {
      await io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    });
  }
  return async () => void (await Promise.all(closers.map((c) => c())));
}

async function lab(monitor: boolean): Promise<() => Promise<void>> {
  const running = await startLab({
    redis: {
      url: redisUrl,
      kind: 'external',
      reason: 'bench',
      version: await redisVersion(redisUrl),
    },
    port: Number(hubPortText),
    basePort,
    servers: SERVERS,
    monitor,
    monitorChannel: `lab:monitor:bench`,
    // One client emits as fast as it can; the flood guard would otherwise be what is measured.
    clientRate: 1_000_000,
  });
  return () => running.close();
}

// A port taken since the parent checked it is one line here; the parent retries on other ports.
const close = await (mode === 'baseline' ? baseline() : lab(mode === 'lab-on')).catch(
  (err: Error) => {
    console.error(`  bench server (${mode}) could not start: ${err.message}`);
    process.exit(1);
  },
);
// lab-broker is lab-off pointed at the embedded broker's URL.
process.on('message', async (m: { type: string }) => {
  if (m.type === 'usage')
    process.send!({ type: 'usage', cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (m.type === 'close') {
    await close();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
