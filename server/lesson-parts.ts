/**
 * What the lessons add beside the lab's servers, one of each per lab, made on first use and
 * closed with the lab: the Redis console (server/redis-console.ts) and the plain app
 * (server/plain-app-runner.ts). Their lines go to the lab's trace like the servers' events.
 */
import type { Lab } from './lab.ts';
import { RedisConsole } from './redis-console.ts';
import { PlainAppRunner } from './plain-app-runner.ts';
import { consoleNodes } from './redis-cluster/console-route.ts';

export interface LessonParts {
  console: RedisConsole;
  plainApp: PlainAppRunner;
}

const parts = new WeakMap<Lab, LessonParts>();

export function lessonParts(lab: Lab): LessonParts {
  const made = parts.get(lab);
  if (made) return made;
  const url = lab.redis.url;
  // On a Redis Cluster the console talks to its nodes, where the adapters' channels live.
  const cluster = lab.options.cluster;
  const fresh: LessonParts = {
    console: new RedisConsole({
      url,
      monitorChannel: lab.options.monitorChannel,
      emit: (line) => lab.emitHub({ kind: 'console', server: 'hub', step: 5, ...line }),
      ...(cluster ? { cluster: () => consoleNodes(cluster) } : {}),
    }),
    plainApp: new PlainAppRunner({
      redisUrl: url,
      emit: (draft) => lab.emitHub({ kind: 'plain.app', server: 'hub', step: 8, ...draft }),
    }),
  };
  parts.set(lab, fresh);
  lab.closers.push(
    () => fresh.console.close(),
    () => fresh.plainApp.stop(),
  );
  return fresh;
}
