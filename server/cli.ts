/**
 * `npm start`: finds or starts Redis, builds the page when it is missing or older than its sources,
 * starts the servers and the hub, and prints where everything is. Problems are one sentence with the fix, never a stack.
 */
import { FlagError, helpText, parseLabFlags } from './flags.ts';
import { checkUser, findRedis, RedisNotFoundError, type RedisChoice } from './redis-finder.ts';
import { onShutdown } from './shutdown.ts';
import { labChannelRules, userOf, withCredentials } from './redis-acl.ts';
import { startLab, type RunningLab } from './start-lab.ts';
import { PortInUseError } from './server-node.ts';
import { LabError } from './lab.ts';
import { buildPageIfStale } from './page-build.ts';
import { banner } from './banner.ts';
import { LabCluster } from './redis-cluster/lab-cluster.ts';
import { ClusterStartError } from './redis-cluster/local-cluster.ts';
import { clusterRefusal } from './redis-cluster/cluster-choice.ts';

function fail(message: string): never {
  console.error(`fanout-lab: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseLabFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof FlagError) fail(err.message);
    throw err;
  }
  if (flags.help) {
    console.log(helpText('lab'));
    return;
  }
  const log = (line: string) => !flags.quiet && console.log(line);
  let running: RunningLab | null = null;
  let redis: RedisChoice | null = null;
  let cluster: LabCluster | null = null;
  onShutdown(
    (signal) =>
      log(
        `\n${signal}: stopping the servers, the hub and any Redis the lab started (Ctrl+C again to quit at once)...`,
      ),
    async () => {
      if (running) await running.close();
      else await Promise.all([redis?.managed?.stop(), cluster?.close()]);
    },
  );

  try {
    // LAB_NO_BUILD=1 starts without building (tests, and labs that only want the API).
    if (process.env.LAB_NO_BUILD !== '1') await buildPageIfStale(log);
  } catch (err) {
    console.error(
      `fanout-lab: the page did not build (${(err as Error).message}); the lab starts without it. Run "npm run build" to see why.`,
    );
  }
  try {
    log('Looking for Redis...');
    redis = await findRedis({ url: flags.redis, broker: flags.broker });
    const login = withCredentials(redis.url, flags.redisUser, flags.redisPassword);
    // A Redis the lab started has no such user yet: the lab makes it as it starts.
    if (!redis.managed && userOf(login) !== 'default')
      await checkUser(login, userOf(login), labChannelRules(flags.key, flags.monitorChannel));
  } catch (err) {
    if (err instanceof RedisNotFoundError) fail(err.message);
    throw err;
  }
  if (flags.redisCluster) {
    const refusal = clusterRefusal(redis, true);
    if (refusal) {
      await redis.managed?.stop();
      fail(refusal);
    }
    try {
      log(
        'local' in flags.redisCluster
          ? 'Starting a local Redis Cluster...'
          : 'Joining the Redis Cluster...',
      );
      cluster = await LabCluster.open({
        ...flags.redisCluster,
        replicas: flags.redisClusterReplicas,
      });
    } catch (err) {
      await redis.managed?.stop();
      if (err instanceof ClusterStartError) fail(err.message);
      throw err;
    }
  }
  try {
    running = await startLab({
      redis,
      cluster: cluster ?? undefined,
      port: flags.port,
      basePort: flags.basePort,
      servers: flags.servers,
      host: flags.host,
      adapter: flags.adapter,
      subscriptionMode: flags.subscriptionMode,
      monitor: flags.monitor,
      monitorChannel: flags.monitorChannel,
      clientRate: flags.clientRate,
      addressRate: flags.addressRate,
      resp: flags.resp,
      balancer: { mode: flags.balancer, port: flags.balancerPort },
      key: flags.key,
      redisUser: flags.redisUser,
      redisPassword: flags.redisPassword,
      labId: flags.labId,
      token: flags.token,
      classroom: flags.classroom,
      onLog: (line) => log(line),
    });
  } catch (err) {
    await Promise.all([redis.managed?.stop(), cluster?.close()]);
    redis = null;
    cluster = null;
    if (err instanceof PortInUseError || err instanceof LabError) fail(err.message);
    throw err;
  }
  log(banner(running, flags.host));
}

process.on('unhandledRejection', (err) => {
  console.error(
    `fanout-lab: unexpected error, the lab keeps running: ${(err as Error)?.message ?? err}`,
  );
});

main().catch((err) => fail(`could not start: ${(err as Error).message}`));
