import { EMPTY_LISTPACK_BYTES, intElementBytes, stringElementBytes } from './listpack-size.ts';
import {
  formatId,
  idMs,
  idSeq,
  makeId,
  MAX_ID,
  type ParsedId,
  type StreamId,
} from './stream-id.ts';

/**
 * One Redis stream, laid out as Redis 7.0 lays it out: a list of nodes (Redis's listpacks in a
 * radix tree), each holding up to 100 entries or 4096 bytes. The node layout is what makes
 * `MAXLEN ~ n` keep more than n entries (it only drops whole nodes), so the broker keeps the
 * same nodes and counts the same bytes, and trims exactly where a real Redis trims.
 */

/** stream-node-max-bytes and stream-node-max-entries, at Redis's defaults. */
export const NODE_MAX_BYTES = 4096;
export const NODE_MAX_ENTRIES = 100;
/** A listpack may not grow past 1 GiB (STREAM_LISTPACK_MAX_SIZE). */
const LISTPACK_MAX_SIZE = 1 << 30;

export interface StreamEntry {
  readonly id: StreamId;
  /** `ms-seq`, made once: every XREAD and XRANGE reply carries it. */
  readonly idText: string;
  /** field, value, field, value ... as given to XADD. */
  readonly fields: Buffer[];
  /** Marked by an exact (`=`) trim inside a node, as Redis marks it; skipped by reads. */
  deleted: boolean;
}

interface StreamNode {
  readonly masterId: StreamId;
  /** The first entry's field names; later entries with the same names store only values. */
  readonly masterFields: Buffer[];
  readonly entries: StreamEntry[];
  live: number;
  deleted: number;
  bytes: number;
}

export type TrimStrategy = { maxlen: number } | { minid: StreamId };

export interface TrimArgs {
  strategy: TrimStrategy;
  /** `~`: drop whole nodes only. */
  approx: boolean;
  /** At most this many entries per trim (0: no limit), counted in whole nodes as Redis does. */
  limit: number;
}

/** Why an append was refused: the id is not above the top one, or the fields are too large. */
export type AppendError = 'id-too-small' | 'too-large';

/** The id XADD gives a new entry: `*` (null), `ms-*`, or an explicit `ms-seq`. */
function chooseId(lastId: StreamId, wanted: ParsedId | null, now: number): StreamId | null {
  if (wanted?.seqGiven) return wanted.id;
  const ms = wanted ? idMs(wanted.id) : BigInt(now);
  if (ms > idMs(lastId)) return makeId(ms, 0n);
  if (wanted && ms < idMs(lastId)) return null;
  // Same millisecond (or a clock behind the last id): the next sequence, carrying into ms.
  if (wanted && idSeq(lastId) === (1n << 64n) - 1n) return null;
  return lastId + 1n;
}

function sameNames(master: Buffer[], fields: Buffer[]): boolean {
  if (master.length * 2 !== fields.length) return false;
  for (let i = 0; i < master.length; i++) if (!master[i].equals(fields[i * 2])) return false;
  return true;
}

/** A delta between two ids' halves, as the int64 Redis stores in the listpack. */
function delta(a: bigint, b: bigint): number {
  return Number(BigInt.asIntN(64, a - b));
}

export class Stream {
  private nodes: StreamNode[] = [];
  length = 0;
  /** The highest id ever added: it stays when trimming empties the stream. */
  lastId: StreamId = 0n;

  get exhausted(): boolean {
    return this.lastId === MAX_ID;
  }

  /** How many nodes hold the entries (Redis's radix-tree-keys in XINFO STREAM). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The id of the newest entry still in the stream, or null when it is empty. */
  lastEntryId(): StreamId | null {
    const node = this.nodes.at(-1);
    return node ? node.entries[node.entries.length - 1].id : null;
  }

  /** Adds one entry (fields is field, value, ...); returns it, or why it was refused. */
  append(fields: Buffer[], wanted: ParsedId | null, now: number): StreamEntry | AppendError {
    const id = chooseId(this.lastId, wanted, now);
    if (id === null || id <= this.lastId) return 'id-too-small';
    let total = 0;
    for (const f of fields) total += f.length;
    if (total > LISTPACK_MAX_SIZE) return 'too-large';

    let node = this.nodes.at(-1);
    if (
      node &&
      (node.bytes + total >= NODE_MAX_BYTES || node.live + node.deleted >= NODE_MAX_ENTRIES)
    ) {
      node = undefined;
    }
    let same = true;
    if (!node) {
      const names = fields.filter((_, i) => i % 2 === 0);
      // count, deleted, the number of fields, the names, and a zero that ends the master entry.
      let bytes = EMPTY_LISTPACK_BYTES + 2 + 2 + intElementBytes(names.length) + 2;
      for (const name of names) bytes += stringElementBytes(name);
      node = { masterId: id, masterFields: names, entries: [], live: 0, deleted: 0, bytes };
      this.nodes.push(node);
    } else {
      same = sameNames(node.masterFields, fields);
    }
    const n = fields.length / 2;
    // flags, the ms and seq deltas, then [count, names and] values, then the element count.
    let bytes = 2 + intElementBytes(delta(idMs(id), idMs(node.masterId)));
    bytes += intElementBytes(delta(idSeq(id), idSeq(node.masterId)));
    for (let i = same ? 1 : 0; i < fields.length; i += same ? 2 : 1) {
      bytes += stringElementBytes(fields[i]);
    }
    bytes += same ? intElementBytes(n + 3) : intElementBytes(n) + intElementBytes(2 * n + 4);
    node.bytes += bytes;
    const entry: StreamEntry = { id, idText: formatId(id), fields, deleted: false };
    node.entries.push(entry);
    node.live++;
    this.length++;
    this.lastId = id;
    return entry;
  }

  /** Redis 7.0's streamTrim: whole nodes from the head, then (exact trims only) single entries. */
  trim({ strategy, approx, limit }: TrimArgs): number {
    let removed = 0;
    while (this.nodes.length > 0) {
      if ('maxlen' in strategy && this.length <= strategy.maxlen) break;
      const node = this.nodes[0];
      if (limit && removed + node.live > limit) break;
      const whole =
        'maxlen' in strategy
          ? this.length - node.live >= strategy.maxlen
          : node.entries[node.entries.length - 1].id < strategy.minid;
      if (whole) {
        this.nodes.shift();
        this.length -= node.live;
        removed += node.live;
        continue;
      }
      if (approx) break;
      for (const entry of node.entries) {
        const stop =
          'maxlen' in strategy ? this.length <= strategy.maxlen : entry.id >= strategy.minid;
        if (stop) break;
        if (entry.deleted) continue;
        entry.deleted = true;
        node.live--;
        node.deleted++;
        this.length--;
        removed++;
      }
      break;
    }
    return removed;
  }

  /**
   * Entries with start <= id <= end, oldest first (or newest first when `rev`), skipping marked
   * ones; at most `count` of them when count > 0.
   */
  range(start: StreamId, end: StreamId, count = 0, rev = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end || this.nodes.length === 0) return out;
    let [n, i] = rev ? this.lastAtOrBelow(end) : this.firstAtOrAbove(start);
    while (n >= 0 && n < this.nodes.length) {
      const entries = this.nodes[n].entries;
      for (; i >= 0 && i < entries.length; i += rev ? -1 : 1) {
        const e = entries[i];
        if (rev ? e.id < start : e.id > end) return out;
        if (e.deleted) continue;
        out.push(e);
        if (count > 0 && out.length >= count) return out;
      }
      n += rev ? -1 : 1;
      i = rev ? (this.nodes[n]?.entries.length ?? 0) - 1 : 0;
    }
    return out;
  }

  /** Node index and entry index of the first entry with id >= `id` (may be past the end). */
  private firstAtOrAbove(id: StreamId): [number, number] {
    const n = Math.max(0, this.lastNodeStartingAtOrBelow(id));
    const entries = this.nodes[n].entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < entries.length ? [n, lo] : [n + 1, 0];
  }

  /** Node index and entry index of the last entry with id <= `id` (-1 when there is none). */
  private lastAtOrBelow(id: StreamId): [number, number] {
    const n = this.lastNodeStartingAtOrBelow(id);
    if (n < 0) return [-1, -1];
    const entries = this.nodes[n].entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid].id <= id) lo = mid + 1;
      else hi = mid;
    }
    return [n, lo - 1];
  }

  private lastNodeStartingAtOrBelow(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nodes[mid].masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}
