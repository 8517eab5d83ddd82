import type { TestProject } from 'vitest/node';
import { RedisProcess, redisServerOnPath } from '../../server/redis-process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * One real redis-server for the integration and browser suites, on a free port.
 * REDIS_URL overrides it. A missing redis-server fails the run: it is never skipped.
 */
export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  if (!redisServerOnPath()) {
    throw new Error(
      'redis-server is not on PATH. Install it (apt-get install -y redis-server, or brew install redis) or set REDIS_URL.',
    );
  }
  const redis = await RedisProcess.start();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
