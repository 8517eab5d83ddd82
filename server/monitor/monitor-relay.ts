/**
 * A server's relay: while its /monitor namespace has viewers, it subscribes to the monitor
 * channel with a connection of its own and passes every batch of its lab, from every server, to
 * them. Any server can feed a viewer, on one machine or many; with no viewer it costs nothing.
 *
 * The monitor channel is an ordinary Redis channel: another lab sharing the Redis publishes its
 * batches there too, and anyone can publish anything. Only well-formed batches of this lab are
 * passed on; the rest is sorted out here, before any page sees it.
 */
import type { Namespace } from 'socket.io';
import { Redis } from 'ioredis';
import { parseEnvelope, type Envelope } from '../../trace/events.ts';
import { eventsProblem } from '../../trace/event-shape.ts';
import { baseOptions, guardResubscribe, labConnectionName } from '../redis-clients.ts';
import { errorText } from './decode.ts';
import { sendToViewers } from './viewer-relay.ts';

export interface MonitorRelay {
  close(): void;
}

/** Bytes of a batch's start that hold its `v`, `lab` and `from` (the sink writes them first). */
const HEAD_BYTES = 96;

/** What was wrong with a message on the monitor channel that is not a batch of a lab. */
export interface NotABatch {
  decision: 'undecodable' | 'malformed';
  reason: string;
}

export interface MonitorSubscription {
  url: string;
  channel: string;
  /** The connection's name in the lab (`hub:monitor-sub`); CLIENT LIST shows it with the lab id. */
  name: string;
  /** Only this lab's batches are passed on. */
  lab: string;
  onEnvelope: (e: Envelope, json: string) => void;
  /**
   * Sees the source of one of this lab's batches from the start of its text, so batches nobody
   * wants are neither decoded nor parsed (the hub skips every batch of its own process this way).
   */
  skip?: (from: string) => boolean;
  /** A batch of another lab on the same channel (skipped unparsed). */
  onOtherLab?: (lab: string, from: string) => void;
  /** Something that is not a lab's batch. */
  onJunk?: (message: Buffer, what: NotABatch) => void;
}

/** The lab and source of a batch, read from the start of its text (`{"v":2,"lab":"k3f9","from":"s1"`). */
export function headOf(head: string): { lab?: string; from: string } | undefined {
  const m = /^\{"v":\d+,(?:"lab":"([a-z0-9]{1,16})",)?"from":"([^"]*)"/.exec(head);
  return m ? { lab: m[1], from: m[2] } : undefined;
}

/** A message on the monitor channel: a batch of this lab, another lab's, or neither (and why). */
export function readBatch(
  message: Buffer,
  lab: string,
): { envelope: Envelope; json: string } | { otherLab: string; from: string } | NotABatch {
  const json = message.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { decision: 'undecodable', reason: `not JSON: ${errorText(err)}` };
  }
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(value);
  } catch (err) {
    return { decision: 'malformed', reason: (err as Error).message };
  }
  if (typeof envelope.lab === 'string' && envelope.lab !== lab)
    return { otherLab: envelope.lab.slice(0, 16), from: envelope.from.slice(0, 32) };
  if (envelope.lab === undefined)
    return {
      decision: 'malformed',
      reason: 'a batch without a lab id: from an older Fanout Lab, or not from a lab at all',
    };
  const problem = eventsProblem(envelope.events);
  if (problem) return { decision: 'malformed', reason: problem };
  return { envelope, json };
}

/** Subscribes `name` to the monitor channel and calls `onEnvelope` for each batch of the lab. */
export function subscribeMonitor(o: MonitorSubscription): Redis {
  const sub = new Redis(o.url, baseOptions(labConnectionName(o.name, o.lab)));
  sub.on('error', () => undefined);
  // ioredis's own re-subscribe after an outage is awaited by nobody (redis-clients.ts).
  guardResubscribe(sub);
  sub.subscribe(o.channel).catch(() => undefined);
  sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    const head = headOf(message.toString('utf8', 0, HEAD_BYTES));
    if (head?.lab !== undefined && head.lab !== o.lab) return o.onOtherLab?.(head.lab, head.from);
    if (head?.lab === o.lab && o.skip?.(head.from)) return;
    const read = readBatch(message, o.lab);
    if ('envelope' in read) {
      try {
        o.onEnvelope(read.envelope, read.json);
      } catch {
        // A listener's failure is the listener's: the monitor keeps reading.
      }
    } else if ('otherLab' in read) o.onOtherLab?.(read.otherLab, read.from);
    else o.onJunk?.(message, read);
  });
  return sub;
}

export function attachMonitorRelay(
  nsp: Namespace,
  url: string,
  channel: string,
  name: string,
  lab: string,
): MonitorRelay {
  let sub: Redis | null = null;
  const update = () => {
    if (nsp.sockets.size > 0 && !sub) {
      sub = subscribeMonitor({
        url,
        channel,
        name,
        lab,
        onEnvelope: (envelope, json) => sendToViewers(nsp, envelope, channel, json),
      });
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
