/**
 * The server half of the modes (registry.ts) against the description the rest of the lab reads
 * (trace/adapter-modes.ts), and the streams mode's guard on its XREAD connection.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ADAPTER_IDS, ADAPTER_MODES } from '../../trace/adapter-modes.ts';
import { LAB_FLAGS } from '../flag-specs.ts';
import { ADAPTERS, modeRefusal, SERVER_MODES } from './registry.ts';
import { guardReader, streamNames } from './streams.ts';
import { freePort } from '../free-port.ts';

describe('the adapter registry', () => {
  it('has every mode the trace describes, and the flag and the API list them in its order', () => {
    expect(Object.keys(SERVER_MODES).sort()).toEqual([...ADAPTER_IDS].sort());
    expect(ADAPTERS).toEqual(ADAPTER_IDS);
    expect(LAB_FLAGS.find((f) => f.name === 'adapter')?.choices).toEqual(ADAPTER_IDS);
    for (const id of ADAPTER_IDS) {
      const mode = SERVER_MODES[id];
      expect(mode.id).toBe(id);
      // A mode whose library makes Redis connections says how; the in-memory one makes none.
      expect(mode.connect === null).toBe(ADAPTER_MODES[id].library === null);
      expect(mode.hooks.length).toBeGreaterThan(0);
    }
  });

  it("names each mode's channels and keys with the lab's prefix", () => {
    expect(SERVER_MODES.redis.wire('k').channels).toContain('k#<nsp>#*');
    expect(SERVER_MODES.streams.wire('k').keys).toEqual(['k', 'k:session:<pid>']);
    expect(streamNames()).toEqual({
      streamName: 'socket.io',
      channelPrefix: 'socket.io',
      sessionKeyPrefix: 'sio:session:',
    });
  });

  it('refuses a mode that the Redis or the cluster cannot run, with the reason', () => {
    expect(modeRefusal('sharded', '6.2.14', false)).toMatch(/needs Redis 7 or newer.*6\.2\.14/);
    expect(modeRefusal('sharded', '7.0.15', false)).toBeUndefined();
    expect(modeRefusal('streams', '4.0.9', false)).toMatch(/needs Redis 5 or newer/);
    // Every mode runs on a Redis Cluster now, streams included (tests/integration/streams-cluster.test.ts).
    for (const kind of ADAPTERS) expect(modeRefusal(kind, '7.0.15', true)).toBeUndefined();
  });
});

describe("the streams mode's XREAD guard", () => {
  /**
   * The adapter's reading loop (startPolling in dist/adapter.js), as it is: read, swallow the
   * error, read again at once. Bounded here so that an unguarded client ends the test instead
   * of the process.
   */
  function poll(reader: Redis, counter: { reads: number }, max: number): void {
    void (async function again() {
      try {
        counter.reads++;
        await reader.xread('COUNT', 1, 'BLOCK', 10, 'STREAMS', 's', '$');
      } catch {
        // what the adapter does: log through debug, and read again
      }
      if (counter.reads < max) void again();
    })();
  }

  it('lets timers run while Redis is unreachable, and ends the loop with the connection', async () => {
    const port = await freePort();
    const reader = new Redis(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      retryStrategy: () => 50,
      maxRetriesPerRequest: 0,
    });
    reader.on('error', () => undefined);
    guardReader(reader);
    const counter = { reads: 0 };
    poll(reader, counter, 100_000);
    // Unguarded, the loop runs its 100 000 reads before this timer can fire.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counter.reads).toBeLessThan(10);
    reader.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = counter.reads;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(counter.reads).toBe(after);
  });
});
