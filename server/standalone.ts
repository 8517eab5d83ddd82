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
import { LabTapState } from './monitor/lab-tap-state.ts';
import { redactUrl, redisVersion } from './redis-finder.ts';
import { modeRefusal } from './adapters/registry.ts';
import { Roster } from './lab-roster.ts';
import { onShutdown } from './shutdown.ts';
import { withCredentials } from './redis-acl.ts';
import { labsOn } from './monitor/lab-census.ts';
import { newLabId } from './lab-id.ts';

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

/** The lab to join: the one named, or the only one on this Redis, or a new one. */
async function chooseLab(
  url: string,
  wanted: string | undefined,
): Promise<{ lab: string; why: string }> {
  const labs = await labsOn(url);
  const list = labs
    ? [...labs].map(([id, l]) => `${id} (${[...l.servers].sort().join(', ') || 'no servers'})`)
    : [];
  if (wanted) {
    // Other labs here and not this one: most likely a mistyped id. No lab at all: it may start later.
    if (labs && labs.size > 0 && !labs.has(wanted))
      fail(
        `no lab ${wanted} is on this Redis (labs here: ${list.join('; ')}); check the id in the lab's banner or GET /api/lab.`,
      );
    const why = labs && !labs.has(wanted) ? 'as asked; the lab is not up yet' : 'as asked';
    return { lab: wanted, why };
  }
  if (labs && labs.size === 1)
    return { lab: [...labs.keys()][0], why: 'the only lab on this Redis' };
  if (labs && labs.size > 1)
    fail(`this Redis has ${labs.size} labs: ${list.join('; ')}. Say which to join with --lab.`);
  return { lab: newLabId(), why: 'a new lab: no other lab is on this Redis' };
}

async function main(): Promise<void> {
  const flags = parse();
  if (flags.help) {
    console.log(helpText('server'));
    return;
  }
  const url = withCredentials(flags.redis, flags.redisUser, flags.redisPassword);
  let version: string;
  try {
    version = await redisVersion(url);
  } catch (err) {
    fail(
      `Redis at ${redactUrl(url)} does not answer (${(err as Error).message}): start it, or fix --redis (and --redis-user/--redis-password).`,
    );
  }
  const { lab, why } = await chooseLab(url, flags.lab);
  const refusal = modeRefusal(flags.adapter, version, false);
  if (refusal) fail(refusal);
  const { name, monitor, monitorChannel, key } = flags;
  // This process is one server of the lab: its lives share one flow numbering and delivery log.
  const state = new LabTapState();
  const server = new ServerNode({
    id: name,
    port: flags.port,
    host: flags.host,
    lab,
    key,
    redisUrl: url,
    // With the lab's cluster, the adapter's pub/sub goes there and `redis` keeps the lab's own channels.
    clusterUrls: flags.redisCluster,
    adapter: flags.adapter,
    subscriptionMode: flags.subscriptionMode,
    clientRate: flags.clientRate,
    addressRate: flags.addressRate,
    resp: flags.resp,
    makeTap: monitor
      ? (id) => new ServerTap({ id, lab, key, redisUrl: url, channel: monitorChannel, state })
      : undefined,
    onLog: (line) => !flags.quiet && console.log(line),
  });
  const roster = new Roster({
    url,
    monitorChannel,
    name,
    lab,
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
      `Fanout Lab server ${name} is up on http://${flags.host}:${flags.port} in lab ${lab} (${why}; adapter ${flags.adapter}, key ${key}, Redis ${redactUrl(url)} ${version}, monitor ${monitor ? monitorChannel : 'off'}).`,
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
