/**
 * What "GET /api/lab matches reality" means, checked from outside the lab: every listed server's
 * port answers exactly when it is listed `up`, no port of a server that is no longer listed
 * answers, and Redis holds a pub and a sub connection for exactly the servers that are up.
 */
import type { Redis } from 'ioredis';
import { isListening } from '../../server/free-port.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import { clientNames, until } from './lab-fixture.ts';

type Listed = LabInfo['servers'][number];

/**
 * The states an answer to each action may state: a stop or a crash of a server that is not up
 * changes nothing (a crashed server stays crashed, a stopped one stopped); a start ends up.
 */
export const REACHABLE: Record<string, Listed['state'][]> = {
  stop: ['down', 'crashed'],
  crash: ['crashed', 'down'],
  start: ['up'],
};

/** Lines such as "s2 :4003 listed up, port closed"; empty when the listing matches the ports. */
export async function portMismatches(
  servers: Listed[],
  formerPorts: Iterable<number> = [],
): Promise<string[]> {
  const local = servers.filter((s) => s.kind !== 'remote');
  const listedPorts = new Set(local.map((s) => s.port));
  const wrong: string[] = [];
  await Promise.all([
    ...local.map(async (s) => {
      const open = await isListening('127.0.0.1', s.port, 1000);
      if (open !== (s.state === 'up'))
        wrong.push(`${s.id} :${s.port} listed ${s.state}, port ${open ? 'open' : 'closed'}`);
    }),
    ...[...formerPorts]
      .filter((p) => !listedPorts.has(p))
      .map(async (port) => {
        if (await isListening('127.0.0.1', port, 1000))
          wrong.push(`:${port} is no longer listed, but it still answers`);
      }),
  ]);
  return wrong.sort();
}

/** The adapter connections Redis holds for lab `lab`, e.g. ["s1:pub", "s1:sub"], sorted. */
export async function adapterConnections(admin: Redis, lab: string): Promise<string[]> {
  return (await clientNames(admin, lab)).filter((n) => /^s\d+:(pub|sub)$/.test(n)).sort();
}

/** The adapter connections that the servers listed up should hold, sorted. */
export function expectedConnections(info: LabInfo): string[] {
  if (info.adapter === 'none') return [];
  return info.servers
    .filter((s) => s.state === 'up' && s.kind !== 'remote')
    .flatMap((s) => [`${s.id}:pub`, `${s.id}:sub`])
    .sort();
}

/**
 * Waits until Redis holds exactly the connections of the servers that are up (a QUIT or a dropped
 * socket leaves CLIENT LIST a moment after the call that caused it has answered), and returns
 * what it holds at the end, for the assertion.
 */
export async function settledConnections(admin: Redis, info: LabInfo): Promise<string[]> {
  const want = JSON.stringify(expectedConnections(info));
  await until(
    async () => JSON.stringify(await adapterConnections(admin, info.labId)) === want,
    10_000,
    `CLIENT LIST to hold ${want}`,
  ).catch(() => undefined);
  return adapterConnections(admin, info.labId);
}
