/**
 * A server's relay: while its /monitor namespace has viewers, it subscribes to the monitor
 * channel with a connection of its own and passes every batch, from every server, to them.
 * Any server can feed a viewer, on one machine or many; with no viewer it costs nothing.
 */
import type { Namespace } from 'socket.io';
import { Redis } from 'ioredis';
import { parseEnvelope, type Envelope } from '../../trace/events.ts';
import { baseOptions } from '../redis-clients.ts';
import { sendToViewers } from './viewer-relay.ts';

export interface MonitorRelay {
  close(): void;
}

/** Bytes of a batch's start that hold its `v` and `from` (the sink writes them first). */
const HEAD_BYTES = 96;

/**
 * Subscribes `name` to the monitor channel and calls `onEnvelope` for each valid batch.
 * `skip` sees only the start of the batch's text first, so batches nobody wants are neither
 * decoded nor parsed (the hub skips every batch of its own process this way).
 */
export function subscribeMonitor(
  url: string,
  channel: string,
  name: string,
  onEnvelope: (e: Envelope, json: string) => void,
  skip?: (head: string) => boolean,
): Redis {
  const sub = new Redis(url, baseOptions(name));
  sub.on('error', () => undefined);
  sub.subscribe(channel).catch(() => undefined);
  sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    if (skip?.(message.toString('utf8', 0, HEAD_BYTES))) return;
    const json = message.toString('utf8');
    try {
      onEnvelope(parseEnvelope(json), json);
    } catch {
      // A batch from a newer lab or a stranger on the channel: not ours to show.
    }
  });
  return sub;
}

/** The source of a batch, read from the start of its text (the sink writes `v` then `from`). */
export function sourceOf(head: string): string | undefined {
  return /^\{"v":\d+,"from":"([^"]*)"/.exec(head)?.[1];
}

export function attachMonitorRelay(
  nsp: Namespace,
  url: string,
  channel: string,
  name: string,
): MonitorRelay {
  let sub: Redis | null = null;
  const update = () => {
    if (nsp.sockets.size > 0 && !sub) {
      sub = subscribeMonitor(url, channel, name, (envelope, json) =>
        sendToViewers(nsp, envelope, channel, json),
      );
    } else if (nsp.sockets.size === 0 && sub) {
      sub.disconnect(false);
      sub = null;
    }
  };
  nsp.on('connection', (socket) => {
    update();
    socket.on('disconnect', update);
  });
  return {
    close() {
      sub?.disconnect(false);
      sub = null;
    },
  };
}
