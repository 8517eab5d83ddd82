/**
 * `npm run server -- --name s4 --port 4004 --redis URL`: one lab server in a process of its own.
 * It joins an existing lab through the shared Redis, with no hub: that is the multi-host story.
 * Its monitor events go to the shared monitor channel, so the lab's hub and pages see it too, and
 * it says it is there on the lab's roster (lab-roster.ts), so GET /api/lab lists it as `remote`.
 * A name another server of the lab has is refused before it starts.
 */
import { FlagError, helpText, parseServerFlags, type ServerFlags } from './flags.ts';
import { PortInUseError, ServerNode } from './server-node.ts';
import { ServerTap } from './monitor/server-tap.ts';
import { majorVersion, redactUrl, redisVersion } from './redis-finder.ts';
import { Roster } from './lab-roster.ts';
import { onShutdown } from './shutdown.ts';

function fail(message: string): never {
  console.error(`fanout-lab server: ${message}`);
  process.exit(1);
}

function parse(): ServerFlags {
  try {
    return parseServerFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof FlagError) fail(err.message);
    throw err;
  }
}

/** Refuses a name that a server of this lab, the hub's or another standalone's, already has. */
async function checkName(roster: Roster, name: string): Promise<void> {
  await roster.ready();
  const others = await roster.rollCall();
  const taken = others.find((s) => s.id === name);
  if (!taken) return;
  await roster.close();
  let n = 1;
  while (others.some((s) => s.id === `s${n}`)) n++;
  fail(
    `a server named ${name} is already in this lab (on port ${taken.port}, ${taken.state}); pick another --name, e.g. --name s${n}.`,
  );
}

async function main(): Promise<void> {
  const flags = parse();
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
    // With the lab's cluster, the adapter's pub/sub goes there and `redis` keeps the lab's own channels.
    clusterUrls: flags.redisCluster,
    adapter: flags.adapter,
    subscriptionMode: flags.subscriptionMode,
    clientRate: flags.clientRate,
    addressRate: flags.addressRate,
    resp: flags.resp,
    makeTap: monitor
      ? (id) => new ServerTap({ id, redisUrl: redis, channel: monitorChannel })
      : undefined,
    onLog: (line) => !flags.quiet && console.log(line),
  });
  const roster = new Roster({
    url: redis,
    monitorChannel,
    name,
    // Before it starts it runs nothing: a roll call must not find its own name taken.
    own: () =>
      server.state === 'up' || server.state === 'crashed'
        ? [{ id: name, port: flags.port, state: server.state, clients: server.clients }]
        : [],
    heartbeat: true,
  });
  await checkName(roster, name);
  try {
    await server.start();
  } catch (err) {
    await roster.close();
    if (err instanceof PortInUseError) fail(err.message);
    throw err;
  }
  roster.announce();
  if (!flags.quiet) {
    console.log(
      `Fanout Lab server ${name} is up on http://${flags.host}:${flags.port} (adapter ${flags.adapter}, Redis ${redactUrl(redis)} ${version}, monitor ${monitor ? monitorChannel : 'off'}).`,
    );
  }
  onShutdown(
    (signal) =>
      !flags.quiet && console.log(`\n${signal}: ${name} says goodbye to the lab and stops.`),
    async () => {
      await Promise.all([roster.leave(), server.stop()]);
    },
  );
}

main().catch((err) => fail(`could not start: ${(err as Error).message}`));
