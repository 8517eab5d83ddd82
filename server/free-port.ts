import net from 'node:net';

/** Asks the OS for a free TCP port on the given host. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when this process can listen on host:port right now (nothing holds it, not even an outgoing connection). */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * The first of `n` consecutive free ports on loopback (a hub and its servers, say). Blocks are
 * taken from 10000-32767, below Linux's ephemeral range (32768-60999), so that the outgoing
 * connections of a busy test or bench are not handed one of them between this check and the
 * listen. Another process can still take one; callers that can retry should.
 */
export async function freePortBlock(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (22_768 - n));
    const free = await Promise.all(
      Array.from({ length: n }, (_, i) => canListen('127.0.0.1', base + i)),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error(`found no ${n} consecutive free ports`);
}
