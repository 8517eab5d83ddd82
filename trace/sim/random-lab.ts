/**
 * A random but realistic lab session, from a seed: servers stop, crash and come back, Redis
 * goes down, clients join rooms and chat. For property tests (replays, seeks and reconciliation
 * checked over many sessions) and for a demo page that runs without servers.
 *
 * Alongside the events it records, for every broadcast, what really became of each client,
 * taken from the script's own truth at emit time: an oracle the trace model is checked against.
 */
import { TRACE_VERSION, type Envelope } from '../events.ts';
import { LabScript } from './lab-script.ts';
import { seededRandom } from './seeded-random.ts';
import { broadcast, fetchSockets } from './lab-traffic.ts';

export type TrueOutcome = 'delivered' | 'server-down' | 'redis-down' | 'not-in-room';

export interface RandomLab {
  script: LabScript;
  /** flow id -> client id -> what happened to it. */
  outcomes: Record<string, Record<string, TrueOutcome>>;
}

const ROOMS = ['blue', 'red'];

function pick<T>(rnd: () => number, list: T[]): T | undefined {
  return list.length > 0 ? list[Math.floor(rnd() * list.length)] : undefined;
}

function truth(script: LabScript, from: string, room?: string): Record<string, TrueOutcome> {
  const origin = script.clients[from].server;
  const outcome: Record<string, TrueOutcome> = {};
  for (const c of Object.values(script.clients)) {
    const up = c.connected && script.servers[c.server].up;
    if (room !== undefined && !c.rooms.includes(room)) outcome[c.id] = 'not-in-room';
    else if (!up) outcome[c.id] = 'server-down';
    else if (c.server !== origin && !script.redisUp) outcome[c.id] = 'redis-down';
    else outcome[c.id] = 'delivered';
  }
  return outcome;
}

export function randomLab(seed: number, actions = 200, servers = 3, clients = 6): RandomLab {
  const rnd = seededRandom(seed);
  const script = new LabScript();
  const ids = Array.from({ length: servers }, (_, i) => `s${i + 1}`);
  for (const id of ids) script.serverUp(id);
  for (let i = 1; i <= clients; i++)
    script.connect(`c${i}`, ids[i % servers], rnd() < 0.5 ? ['blue'] : []);
  const outcomes: RandomLab['outcomes'] = {};
  for (let n = 0; n < actions; n++) {
    const r = rnd();
    const client = pick(rnd, Object.values(script.clients));
    const server = pick(rnd, ids) as string;
    if (r < 0.5 && client) {
      const room = rnd() < 0.4 ? pick(rnd, ROOMS) : undefined;
      const expected = truth(script, client.id, room);
      const flow = broadcast(script, client.id, room);
      if (flow) outcomes[flow] = expected;
    } else if (r < 0.6 && client) {
      script.join(client.id, pick(rnd, ROOMS) as string, rnd() < 0.5);
    } else if (r < 0.68) {
      script.serverDown(server, rnd() < 0.5 ? 'stop' : 'crash');
    } else if (r < 0.8) {
      // A server comes back and its clients reconnect to it, as lab clients do.
      if (!script.servers[server].up) script.serverUp(server);
      for (const c of Object.values(script.clients)) {
        if (!c.connected && c.server === server) script.connect(c.id, server);
      }
    } else if (r < 0.85) {
      script.redis(!script.redisUp);
    } else if (r < 0.9) {
      fetchSockets(script, server);
    } else if (r < 0.95) {
      script.counters();
    } else {
      script.connect(`c${Object.keys(script.clients).length + 1}`, server);
    }
  }
  return { script, outcomes };
}

/**
 * The script's events as the monitor would deliver them: batches of up to `maxBatch` events,
 * in order within each source, but sources interleaved at random, so events from different
 * servers arrive out of wall-clock order, as they do in a real lab.
 */
export function toEnvelopes(script: LabScript, seed: number, maxBatch = 8): Envelope[] {
  const rnd = seededRandom(seed);
  const queues: Record<string, LabScript['events']> = {};
  script.events.forEach((e, i) => (queues[script.sources[i]] ??= []).push(e));
  const envelopes: Envelope[] = [];
  for (;;) {
    const from = pick(
      rnd,
      Object.keys(queues).filter((k) => queues[k].length > 0),
    );
    if (from === undefined) return envelopes;
    const events = queues[from].splice(0, 1 + Math.floor(rnd() * maxBatch));
    envelopes.push({ v: TRACE_VERSION, from, events });
  }
}
