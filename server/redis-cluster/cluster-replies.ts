/**
 * What a Redis Cluster says about itself, parsed: the slot split `redis-cli --cluster create`
 * makes, and the replies of CLUSTER INFO and CLUSTER NODES. No I/O here.
 */

export const SLOTS = 16384;

/**
 * The slot ranges of `masters` masters, as redis-cli splits them (clusterManagerNodeArray in
 * redis-cli.c): 3 masters get 0-5460, 5461-10922 and 10923-16383.
 */
export function slotRanges(masters: number): [number, number][] {
  const perNode = SLOTS / masters;
  const ranges: [number, number][] = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < masters; i++) {
    let last = Math.round(cursor + perNode - 1);
    if (last > SLOTS || i === masters - 1) last = SLOTS - 1;
    if (last < first) last = first;
    ranges.push([first, last]);
    first = last + 1;
    cursor += perNode;
  }
  return ranges;
}

/** CLUSTER INFO's `field:value` lines, numbers as numbers. */
export function parseClusterInfo(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();
    out[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

export interface ClusterNodeLine {
  id: string;
  /** host:port, without the bus port. */
  address: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId?: string;
  myself: boolean;
  /** fail, pfail, handshake or noaddr: the node is not serving. */
  failing: boolean;
  connected: boolean;
  slots: [number, number][];
}

/** One line of CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`. */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const nodes: ClusterNodeLine[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, addr, flagText, master, , , , link, ...slotText] = parts;
    const flags = flagText.split(',');
    const address = addr.split('@')[0];
    const slots: [number, number][] = [];
    for (const s of slotText) {
      // Slots being migrated are shown in brackets; they are not owned yet.
      if (s.startsWith('[')) continue;
      const [a, b] = s.split('-').map(Number);
      slots.push([a, b ?? a]);
    }
    nodes.push({
      id,
      address,
      port: Number(address.slice(address.lastIndexOf(':') + 1)),
      role: flags.includes('slave') ? 'replica' : 'master',
      masterId: master === '-' ? undefined : master,
      myself: flags.includes('myself'),
      failing: flags.some((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f)),
      connected: link === 'connected',
      slots,
    });
  }
  return nodes;
}

/** "0-5460" or "0-5460 6000" for the page and the banner. */
export function slotText(slots: [number, number][]): string {
  return slots.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(' ');
}
