/**
 * A server's relay: it subscribes to the monitor channel with a connection of its own and
 * passes every batch, from every server, to the viewers on its /monitor namespace. Any server
 * can feed a viewer, on one machine or many.
 */
import type { Namespace } from 'socket.io';
import { Redis } from 'ioredis';
import { parseEnvelope, type Envelope } from '../../trace/events.ts';
import { baseOptions } from '../redis-clients.ts';
import { sendToViewers } from './viewer-relay.ts';

export interface MonitorRelay {
  close(): void;
}

/** Subscribes `name` to the monitor channel and calls `onEnvelope` for each valid batch. */
export function subscribeMonitor(
  url: string,
  channel: string,
  name: string,
  onEnvelope: (e: Envelope) => void,
): Redis {
  const sub = new Redis(url, baseOptions(name));
  sub.on('error', () => undefined);
  sub.subscribe(channel).catch(() => undefined);
  sub.on('message', (_channel: string, message: string) => {
    try {
      onEnvelope(parseEnvelope(message));
    } catch {
      // A batch from a newer lab or a stranger on the channel: not ours to show.
    }
  });
  return sub;
}

export function attachMonitorRelay(
  nsp: Namespace,
  url: string,
  channel: string,
  name: string,
): MonitorRelay {
  const sub = subscribeMonitor(url, channel, name, (envelope) =>
    sendToViewers(nsp, envelope, channel),
  );
  return {
    close() {
      sub.disconnect(false);
    },
  };
}
