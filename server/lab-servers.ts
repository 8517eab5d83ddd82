/**
 * The servers of a lab: the hub's own (ServerNodes in this process, which the API can toggle)
 * and the remote ones the roster hears of (standalone servers in processes of their own). This
 * is where names and ports are handed out, so that the lab never makes a second server with a
 * name that is taken. Nothing here is serialized: the Lab calls it from its lifecycle operations.
 */
import type { LabInfo } from '../trace/lab-info.ts';
import { LabError } from './lab-error.ts';
import { Roster, SILENCE_MS, type RemoteServer, type RosterChange } from './lab-roster.ts';
import { PortInUseError, type ServerNode } from './server-node.ts';

export type ListedServer = LabInfo['servers'][number];

/** Most servers a lab runs itself (standalone servers come on top). */
export const MAX_LAB_SERVERS = 10;
/** Ports tried above a taken one before a setup or an added server gives up. */
const PORT_TRIES = 20;

export interface LabServersOptions {
  /** Asked whenever the roster connects: the lab may log in as another user by then. */
  redisUrl: () => string;
  /** The lab's id: its roster messages say it, and other labs' are not its. */
  lab?: string;
  monitorChannel: string;
  make: (id: string, port: number) => ServerNode;
  /** Tells the class (a lab.notice), e.g. that a standalone server joined. */
  notice: (text: string) => void;
  /** The list changed. */
  changed: () => void;
}

/** s2 before s10. */
function byNumber(id: string): number {
  return Number(/\d+$/.exec(id)?.[0] ?? 0);
}

export class LabServers {
  readonly local: ServerNode[] = [];
  roster: Roster;
  /** When the class was last told of a name clash, by server id. */
  private readonly clashNoticed = new Map<string, number>();

  constructor(private readonly options: LabServersOptions) {
    this.roster = this.makeRoster();
  }

  private makeRoster(): Roster {
    return new Roster({
      url: this.options.redisUrl(),
      monitorChannel: this.options.monitorChannel,
      name: 'hub',
      lab: this.options.lab,
      own: () => this.listed().filter((s) => s.kind === 'lab'),
      onChange: (change, server) => this.onRosterChange(change, server),
      onClash: (id) => this.onClash(id),
    });
  }

  /** The roster logs in again (the lab now runs as another Redis user). */
  async relogin(): Promise<void> {
    await this.roster.close();
    this.roster = this.makeRoster();
    await this.roster.ready();
  }

  find(id: string): ServerNode | undefined {
    return this.local.find((s) => s.id === id);
  }

  /** One of the lab's own servers; a remote one gets a 409 that says where to stop it. */
  get(id: string): ServerNode {
    const server = this.find(id);
    if (server) return server;
    const remote = this.roster.remoteServer(id);
    if (remote)
      throw new LabError(
        409,
        `${id} is a standalone server in a process of its own (npm run server, port ${remote.port}): the lab lists it, but cannot stop, crash, start or remove it, nor put lab clients on it; stop it where it runs, with Ctrl+C.`,
      );
    const names = this.listed().map((s) => s.id);
    throw new LabError(
      404,
      `There is no server "${id}"; the servers are ${names.join(', ') || 'none'}.`,
    );
  }

  listed(): ListedServer[] {
    const local = this.local.map((s) => ({
      id: s.id,
      port: s.port,
      state: s.state,
      clients: s.clients,
      kind: 'lab' as const,
      ...(s.linkState !== 'open' ? { link: s.linkState } : {}),
    }));
    const ids = new Set(local.map((s) => s.id));
    // A remote server that took a name the lab uses is reported by a notice, not listed twice.
    const remote = this.roster
      .remotes()
      .filter((r) => !ids.has(r.id))
      .map(({ id, port, state, clients }) => ({
        id,
        port,
        state,
        clients,
        kind: 'remote' as const,
      }));
    return [...local, ...remote];
  }

  listedOne(id: string): ListedServer | undefined {
    return this.listed().find((s) => s.id === id);
  }

  /** The up server with the fewest clients by `load` (ties go to the lowest id). */
  leastLoaded(load: (id: string) => number): string {
    const up = this.local.filter((s) => s.state === 'up');
    if (up.length === 0)
      throw new LabError(409, 'No server is up; start one first (POST /api/servers/{id}/start).');
    return up.reduce((best, s) => (load(s.id) < load(best.id) ? s : best)).id;
  }

  /** The lowest `sN` that no server of the lab, here or remote, is called. */
  nextName(): string {
    let n = 1;
    while (this.find(`s${n}`) || this.roster.remoteServer(`s${n}`)) n++;
    return `s${n}`;
  }

  /** Refuses, before anything changes, names that standalone servers already use. */
  checkNamesFree(ids: string[]): void {
    for (const id of ids) {
      const remote = this.roster.remoteServer(id);
      if (remote)
        throw new LabError(
          409,
          `A standalone server named ${id} (npm run server, port ${remote.port}) is already in this lab, so the lab cannot make its own ${id}: stop that server first, or ask for fewer servers.`,
        );
    }
  }

  /**
   * Makes and starts a server, on `port` or, when something else holds it, the next port that
   * is free (`tries` ports in all); it is listed once it is up, so nobody can stop it half-started.
   */
  async startOnFreePort(id: string, port: number, tries = PORT_TRIES): Promise<ServerNode> {
    for (let tried = 1; ; tried++, port++) {
      const server = this.options.make(id, port);
      try {
        await server.start();
      } catch (err) {
        if (err instanceof PortInUseError && tried < tries) continue;
        throw err;
      }
      this.local.push(server);
      this.local.sort((a, b) => byNumber(a.id) - byNumber(b.id) || a.id.localeCompare(b.id));
      return server;
    }
  }

  /**
   * Starts `ids` on `basePort` and up, all at once (a start may wait for Redis). `strict`: a
   * port in use fails it (the ports asked for at the lab's start); otherwise it moves up. The
   * first failure is the answer, once every start has ended, so nothing starts after it.
   */
  async startAll(ids: string[], basePort: number, strict: boolean): Promise<void> {
    const results = await Promise.allSettled(
      ids.map((id, i) => this.startOnFreePort(id, basePort + i, strict ? 1 : PORT_TRIES)),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The port above every server of the lab. */
  nextPort(basePort: number): number {
    return Math.max(basePort - 1, ...this.local.map((s) => s.port)) + 1;
  }

  remove(server: ServerNode): void {
    const at = this.local.indexOf(server);
    if (at >= 0) this.local.splice(at, 1);
  }

  /** Stops every server of the lab at once (each stop is bounded) and forgets them. */
  async stopAll(): Promise<void> {
    await Promise.all(this.local.map((s) => s.stop()));
    this.local.splice(0);
  }

  private onRosterChange(change: RosterChange, r: RemoteServer): void {
    if (change === 'joined')
      this.options.notice(
        `${r.id} joined the lab from a process of its own (npm run server, port ${r.port}): its clients get the other servers' broadcasts, and the other way round.`,
      );
    else if (change === 'left')
      this.options.notice(`${r.id} (npm run server) stopped and left the lab.`);
    else if (change === 'silent')
      this.options.notice(
        `${r.id} (npm run server) has not been heard of for ${SILENCE_MS / 1000} s, so it is no longer listed: its process may have died, or lost Redis.`,
      );
    this.options.changed();
  }

  /** A standalone server with a name the lab uses: the page cannot tell their events apart. */
  private onClash(id: string): void {
    const last = this.clashNoticed.get(id) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.clashNoticed.set(id, Date.now());
    this.options.notice(
      `A server named ${id} in another process (npm run server) says it is in this lab, which has an ${id} of its own: the page cannot tell their events apart. Stop it, and start it again with another --name.`,
    );
  }
}
