/**
 * `npm run server -- --name s4 --port 4004 --redis URL`: one lab server in a process of its own.
 * It joins an existing lab through the shared Redis, with no hub: that is the multi-host story.
 * Its monitor events go to the shared monitor channel, so the lab's hub and pages see it too.
 */
import { FlagError, helpText, parseServerFlags } from './flags.ts';
import { PortInUseError, ServerNode } from './server-node.ts';
import { ServerTap } from './monitor/server-tap.ts';
import { majorVersion, redactUrl, redisVersion } from './redis-finder.ts';

function fail(message: string): never {
  console.error(`fanout-lab server: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseServerFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof FlagError) fail(err.message);
    throw err;
  }
  if (flags.help) {
    console.log(helpText('server'));
    return;
  }
  let version: string;
  try {
    version = await redisVersion(flags.redis);
  } catch (err) {
    fail(
      `Redis at ${redactUrl(flags.redis)} does not answer (${(err as Error).message}): start it or fix --redis.`,
    );
  }
  if (flags.adapter === 'sharded' && majorVersion(version) < 7) {
    fail(
      `the sharded adapter needs Redis 7 or newer, and this Redis is ${version}; use --adapter redis.`,
    );
  }
  const { name, monitor, monitorChannel, redis } = flags;
  const server = new ServerNode({
    id: name,
    port: flags.port,
    host: flags.host,
    redisUrl: redis,
    adapter: flags.adapter,
    subscriptionMode: flags.subscriptionMode,
    clientRate: flags.clientRate,
    resp: flags.resp,
    makeTap: monitor
      ? (id) => new ServerTap({ id, redisUrl: redis, channel: monitorChannel })
      : undefined,
    onLog: (line) => !flags.quiet && console.log(line),
  });
  try {
    await server.start();
  } catch (err) {
    if (err instanceof PortInUseError) fail(err.message);
    throw err;
  }
  if (!flags.quiet) {
    console.log(
      `Fanout Lab server ${name} is up on http://${flags.host}:${flags.port} (adapter ${flags.adapter}, Redis ${redactUrl(redis)} ${version}, monitor ${monitor ? monitorChannel : 'off'}).`,
    );
  }
  const shutdown = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => fail(`could not start: ${(err as Error).message}`));
