import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The flow a piece of server work belongs to. A client's event opens a flow; everything the
 * server does because of it (io.emit, PUBLISH, fetchSockets, the replies) runs inside it,
 * across awaits, so the tap can label each step with the same id.
 */
export const flowContext = new AsyncLocalStorage<string>();

const counters = new Map<string, number>();

/** `<server>-<n>`: unique per server id for the life of the process. */
export function newFlowId(server: string): string {
  const n = (counters.get(server) ?? 0) + 1;
  counters.set(server, n);
  return `${server}-${n}`;
}

/** FNV-1a over the bytes: every receiver of the same message computes the same id. */
export function hashFlowId(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return `h-${(h >>> 0).toString(16).padStart(8, '0')}`;
}
