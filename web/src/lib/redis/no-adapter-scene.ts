/**
 * No adapter: each server keeps its broadcasts to itself (socket.io's in-memory adapter), so
 * nothing of the servers' is in Redis and nothing is drawn between them and it.
 */
import type { AdapterScene } from './redis-scene.ts';

export const noAdapterScene: AdapterScene = {
  adapter: 'none',
  expected: () => [],
  nodes: () => [],
  note: 'No adapter: the servers do not use Redis, so a broadcast stays on the server it was sent to.',
};
