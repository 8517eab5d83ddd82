/**
 * For tests: the events a sharded-adapter lab writes (SSUBSCRIBE, SPUBLISH, smessage), which
 * LabScript (classic only) does not. Hand-written after a real lab's trace.
 */
import type { LabEvent, SubscriptionMode } from '../../../../trace/events.ts';

type Draft = Record<string, unknown> & { kind: LabEvent['kind']; server: string };

export class ShardedTrace {
  readonly events: LabEvent[] = [];
  private seq = 0;

  constructor(readonly mode: SubscriptionMode = 'dynamic') {}

  private add(d: Draft, step: number): this {
    this.events.push({ seq: ++this.seq, t: 1000 + this.seq, step, ...d } as unknown as LabEvent);
    return this;
  }

  /** A 16-hex-character uid, like ClusterAdapter's. */
  static uid(server: string): string {
    return server.replace(/\D/g, '').padStart(4, '0').padEnd(16, 'f');
  }

  serverUp(id: string): this {
    const uid = ShardedTrace.uid(id);
    this.add(
      {
        kind: 'server.up',
        server: id,
        port: 4000,
        adapter: 'sharded',
        subscriptionMode: this.mode,
      },
      1,
    );
    for (const role of ['pub', 'sub'] as const)
      this.add({ kind: 'redis.connect', server: id, role, name: `${id}:${role}` }, 4);
    this.add(
      {
        kind: 'redis.command',
        server: id,
        role: 'sub',
        command: 'SSUBSCRIBE',
        args: ['socket.io#/#', `socket.io#/#${uid}#`],
      },
      5,
    );
    return this.add(
      {
        kind: 'adapter.attach',
        server: id,
        adapter: 'sharded',
        subscriptionMode: this.mode,
        uid,
        nsp: '/',
        channels: [],
      },
      7,
    );
  }

  connect(client: string, server: string): this {
    const socketId = `${client}`.padEnd(20, '_');
    this.add({ kind: 'client.connect', server, socketId, client, transport: 'websocket' }, 3);
    return this;
  }

  /** A member joins: in dynamic mode its server SSUBSCRIBEs the room's channel. */
  join(client: string, server: string, room: string, leave = false): this {
    const socketId = `${client}`.padEnd(20, '_');
    this.add(
      { kind: leave ? 'room.leave' : 'room.join', server, socketId, room, closing: false },
      3,
    );
    if (this.mode === 'static') return this;
    return this.add(
      {
        kind: 'redis.command',
        server,
        role: 'sub',
        command: leave ? 'SUNSUBSCRIBE' : 'SSUBSCRIBE',
        args: [`socket.io#/#${room}#`],
      },
      5,
    );
  }

  /** An SPUBLISH on `channel` and its smessage on each of `to`. */
  spublish(from: string, channel: string, to: string[], flow = 'f1'): this {
    this.add(
      { kind: 'publish', server: from, flow, command: 'SPUBLISH', channel, bytes: 60, pubId: 1 },
      8,
    );
    this.add(
      {
        kind: 'publish.result',
        server: from,
        flow,
        pubId: 1,
        channel,
        receivers: to.length,
        ms: 1,
      },
      9,
    );
    for (const s of to)
      this.add(
        {
          kind: 'receive',
          server: s,
          flow,
          channel,
          via: 'smessage',
          bytes: 60,
          decision: s === from ? 'own-message' : 'delivered',
        },
        9,
      );
    return this;
  }
}
