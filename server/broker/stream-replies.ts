import type { BrokerContext } from './broker-context.ts';
import type { ClientConnection } from './client-connection.ts';
import { WRONGTYPE } from './keyspace.ts';
import { array, bulk, error, type Protocol, type Reply } from './resp-encoder.ts';
import type { Stream, StreamEntry } from './stream.ts';

/** What the stream commands share: finding a stream (or replying WRONGTYPE) and reply shapes. */

/** XRANGE's shape: `[[id, [field, value, ...]], ...]`, the same in RESP2 and RESP3. */
export function entriesReply(entries: StreamEntry[]): Reply {
  return array(entries.map((e) => array([bulk(e.idText), array(e.fields.map(bulk))])));
}

/**
 * XREAD's shape: a map of stream name to entries in RESP3, and in RESP2 an array of
 * `[name, entries]` pairs (not the flat array a RESP2 map would be).
 */
export function streamsReply(proto: Protocol, streams: [Buffer, StreamEntry[]][]): Reply {
  if (proto === 3) {
    return { t: 'map', v: streams.map(([key, entries]) => [bulk(key), entriesReply(entries)]) };
  }
  return array(streams.map(([key, entries]) => array([bulk(key), entriesReply(entries)])));
}

/** The stream at `key`: undefined when missing, null after replying WRONGTYPE. */
export function streamAt(
  ctx: BrokerContext,
  client: ClientConnection,
  key: Buffer,
): Stream | undefined | null {
  const value = ctx.keyspace.lookup(key.toString('latin1'));
  if (value === undefined) return undefined;
  if (value.type === 'stream') return value.stream;
  client.reply(error(WRONGTYPE));
  return null;
}
