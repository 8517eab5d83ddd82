/**
 * `--adapter none`: socket.io's in-memory adapter. A broadcast reaches the sockets of the server
 * it was sent on and no others; nothing goes through Redis. The tap hooks the adapter's `apply`
 * and `broadcast` (tapped-adapters.ts instrumentAdapter, once the server is up) to count what
 * each server delivers.
 */
import { Adapter } from 'socket.io-adapter';
import { monitorAware } from '../monitor/tapped-adapters.ts';
import type { ServerMode } from './server-mode.ts';

const inMemory = () => (nsp: ConstructorParameters<typeof Adapter>[0]) => new Adapter(nsp);

export const noneMode: ServerMode = {
  id: 'none',
  cluster: true,
  family: 'classic',
  connect: null,
  create: inMemory,
  tapped: () => monitorAware(inMemory()),
  wire: () => ({ commands: [], channels: [], keys: [] }),
  hooks: [
    'Adapter.prototype.apply and broadcast, on the instance: deliveries (tapped-adapters.ts)',
  ],
};
