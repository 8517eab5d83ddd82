import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePortBlock } from './free-port.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePortBlock', () => {
  it('gives n consecutive ports below the ephemeral range that can all be listened on', async () => {
    const base = await freePortBlock(4);
    expect(base).toBeGreaterThanOrEqual(10_000);
    expect(base + 3).toBeLessThan(32_768);
    const servers = await Promise.all([0, 1, 2, 3].map((i) => listen(base + i)));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
});
