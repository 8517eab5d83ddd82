/**
 * Where the page's trace feed comes from: the hub's /lab namespace or a server's /monitor relay
 * (every server relays the whole monitor channel). When the feeding source fails, the next one
 * is taken, and the page says which and why.
 */
export type FeedSource = { kind: 'hub' } | { kind: 'server'; id: string; port: number };

/** 'hub', 'auto' (the hub first), or a server id. */
export type FeedPreference = string;

export interface FeedCandidateServer {
  id: string;
  port: number;
  state: 'up' | 'down' | 'crashed';
}

export interface FeedChoice {
  source: FeedSource;
  /** One sentence for the feed badge. */
  reason: string;
}

export function feedKey(source: FeedSource): string {
  return source.kind === 'hub' ? 'hub' : source.id;
}

export function feedLabel(source: FeedSource): string {
  return source.kind === 'hub' ? 'hub /lab' : `${source.id} /monitor (:${source.port})`;
}

/**
 * The feed to use. `failed` holds the keys of sources that just failed (disconnected, or a
 * server the lab reports down); `hubReachable` is false in the static viewer or when the hub's
 * socket is down.
 */
export function chooseFeed(
  preference: FeedPreference,
  servers: readonly FeedCandidateServer[],
  failed: ReadonlySet<string>,
  hubReachable: boolean,
): FeedChoice | null {
  const up = servers.filter((s) => s.state === 'up' && !failed.has(s.id));
  const hubOk = hubReachable && !failed.has('hub');
  const server = (s: FeedCandidateServer): FeedSource => ({
    kind: 'server',
    id: s.id,
    port: s.port,
  });

  if (preference !== 'hub' && preference !== 'auto') {
    const wanted = up.find((s) => s.id === preference);
    if (wanted) return { source: server(wanted), reason: `you chose ${wanted.id}` };
    const why = `${preference} is ${failed.has(preference) ? 'unreachable' : 'down'}`;
    // Prefer another server (the same kind of feed), the one after the chosen one first.
    const after = up.find((s) => s.id > preference) ?? up[0];
    if (after) return { source: server(after), reason: `failed over: ${why}` };
    if (hubOk) return { source: { kind: 'hub' }, reason: `failed over: ${why}, no server is up` };
    return null;
  }
  if (hubOk)
    return {
      source: { kind: 'hub' },
      reason: preference === 'hub' ? 'you chose the hub' : 'the hub feeds by default',
    };
  const first = up[0];
  if (first)
    return {
      source: server(first),
      reason: `failed over: the hub is ${hubReachable ? 'unreachable' : 'not connected'}`,
    };
  return null;
}
