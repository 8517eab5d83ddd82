import type { ClientConnection } from './client-connection.ts';
import type { Keyspace } from './keyspace.ts';
import type { Reply } from './resp-encoder.ts';
import { MAX_ID, type StreamId } from './stream-id.ts';
import { streamsReply } from './stream-replies.ts';

/** One `XREAD BLOCK` waiting for entries. */
interface BlockedRead {
  readonly client: ClientConnection;
  /** Stream names as the client sent them (the reply repeats them) and as keyspace keys. */
  readonly keys: Buffer[];
  readonly names: string[];
  /** Per stream: serve entries with ids above this one. */
  readonly after: StreamId[];
  /** COUNT, 0 for no limit. */
  readonly count: number;
  timer: NodeJS.Timeout | null;
  readonly onClose: () => void;
}

/** Node's timers hold at most 2^31-1 ms; a longer BLOCK re-arms until its deadline. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Clients blocked in XREAD, by stream name, in the order they blocked (Redis serves them in
 * that order). An XADD wakes the readers of its stream at once; inside EXEC the wake-ups wait
 * until the transaction ends, as Redis serves blocked clients after the whole command. A woken
 * or timed-out client gets its reply and then the broker reads its next pipelined command
 * (`resume`): until then its input waits, exactly as Redis leaves it in the query buffer.
 */
export class BlockedReads {
  private readonly byKey = new Map<string, BlockedRead[]>();
  private readonly byClient = new Map<ClientConnection, BlockedRead>();
  private holds = 0;
  private readonly ready = new Set<string>();

  constructor(
    private readonly keyspace: Keyspace,
    private readonly resume: (client: ClientConnection) => void,
  ) {}

  /** Blocked clients: INFO's blocked_clients, and a cheap "anyone blocked?" for the read loop. */
  get count(): number {
    return this.byClient.size;
  }

  isBlocked(client: ClientConnection): boolean {
    return this.byClient.has(client);
  }

  /** False inside EXEC, where Redis answers a blocking command as if it had timed out. */
  get blockingAllowed(): boolean {
    return this.holds === 0;
  }

  /** Blocks `client` until one of the streams gets an entry above its id, or `deadline` (0: never). */
  block(
    client: ClientConnection,
    keys: Buffer[],
    after: StreamId[],
    count: number,
    deadline: number,
  ): void {
    const read: BlockedRead = {
      client,
      keys: [],
      names: [],
      after: [],
      count,
      timer: null,
      onClose: () => this.unblock(read),
    };
    keys.forEach((key, i) => {
      const name = key.toString('latin1');
      // A stream named twice waits on the first id given for it, as in Redis.
      if (read.names.includes(name)) return;
      read.keys.push(key);
      read.names.push(name);
      read.after.push(after[i]);
      const list = this.byKey.get(name);
      if (list) list.push(read);
      else this.byKey.set(name, [read]);
    });
    this.byClient.set(client, read);
    client.socket.once('close', read.onClose);
    if (deadline > 0) this.arm(read, deadline);
  }

  private arm(read: BlockedRead, deadline: number): void {
    const left = deadline - Date.now();
    read.timer = setTimeout(
      () => {
        if (Date.now() < deadline) return this.arm(read, deadline);
        this.finish(read, { t: 'nullArray' });
      },
      Math.max(0, Math.min(left, MAX_TIMER_MS)),
    );
  }

  /** After an XADD: serve the stream's readers now, or when the running EXEC ends. */
  keyChanged(name: string): void {
    if (!this.byKey.has(name)) return;
    if (this.holds > 0) this.ready.add(name);
    else this.serve(name);
  }

  /** EXEC holds wake-ups while it runs its commands, and releases them when it is done. */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (--this.holds > 0 || this.ready.size === 0) return;
    const names = [...this.ready];
    this.ready.clear();
    for (const name of names) this.serve(name);
  }

  private serve(name: string): void {
    const value = this.keyspace.lookup(name);
    const waiting = this.byKey.get(name);
    if (value?.type !== 'stream' || !waiting) return;
    const stream = value.stream;
    for (const read of [...waiting]) {
      const i = read.names.indexOf(name);
      // Redis compares with the stream's last id: a reader can be woken with an empty list
      // when the new entries were trimmed away by the same XADD.
      if (stream.lastId <= read.after[i]) continue;
      const entries = stream.range(read.after[i] + 1n, MAX_ID, read.count);
      this.finish(read, streamsReply(read.client.proto, [[read.keys[i], entries]]));
    }
  }

  private finish(read: BlockedRead, reply: Reply): void {
    this.unblock(read);
    read.client.reply(reply);
    this.resume(read.client);
  }

  private unblock(read: BlockedRead): void {
    if (this.byClient.get(read.client) !== read) return;
    this.byClient.delete(read.client);
    for (const name of read.names) {
      const list = this.byKey.get(name);
      if (!list) continue;
      list.splice(list.indexOf(read), 1);
      if (list.length === 0) this.byKey.delete(name);
    }
    if (read.timer) clearTimeout(read.timer);
    read.client.socket.off('close', read.onClose);
  }

  /** Forgets every blocked client (the broker stopped and dropped them all). */
  clear(): void {
    for (const read of [...this.byClient.values()]) this.unblock(read);
    this.ready.clear();
    this.holds = 0;
  }
}
