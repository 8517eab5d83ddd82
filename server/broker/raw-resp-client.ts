import net from 'node:net';
import { encodeCommand } from './resp-encoder.ts';
import { ReplyDecoder, type Frame } from './resp-reply-decoder.ts';

/**
 * A bare RESP connection that hands back every frame exactly as the server typed it
 * (push or array, null or empty). Tests use it to compare the broker with real Redis
 * byte-level behaviour that ioredis would smooth over.
 */
export class RawRespClient {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly decoder = new ReplyDecoder();
  private waiters: (() => void)[] = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.feed(chunk));
      this.wake();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawRespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawRespClient(socket));
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Writes commands (token arrays) in one write, so they arrive pipelined. */
  send(...commands: (string | Buffer)[][]): void {
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
  }

  write(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  /** Resolves once `count` frames are buffered (or rejects when the socket closes or time runs out). */
  async waitForFrames(count: number, timeoutMs = 5000): Promise<void> {
    await this.waitUntil(() => this.frames.length >= count, `${count} frames`, timeoutMs);
  }

  /** Resolves when `test` holds, checked after each chunk that arrives. */
  async waitUntil(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends one command and resolves with its single reply frame. */
  async command(...args: (string | Buffer)[]): Promise<Frame> {
    const before = this.frames.length;
    this.send(args);
    await this.waitForFrames(before + 1);
    return this.frames.splice(before, 1)[0];
  }

  /** Takes every buffered frame. */
  drain(): Frame[] {
    return this.frames.splice(0);
  }

  waitClosed(): Promise<void> {
    return this.closedPromise;
  }

  close(): void {
    this.socket.destroy();
  }
}
