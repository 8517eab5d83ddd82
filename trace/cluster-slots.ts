/**
 * Which node of a Redis Cluster a channel lives on: its hash slot, as Redis computes it (CRC16
 * of the name, or of the part between the first `{` and the next `}` when that part is not
 * empty, modulo 16384; keyHashSlot in Redis's cluster.c), and the node whose slot ranges hold
 * it. The page uses it to draw an SPUBLISH landing on its shard before the nodes have listed
 * the channel; tests/integration/redis-cluster.test.ts checks it against CLUSTER KEYSLOT.
 */

export const SLOT_COUNT = 16384;

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys and shard channels with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function keySlot(name: string): number {
  let bytes = new TextEncoder().encode(name);
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.slice(open + 1, close);
  }
  return crc16(bytes) % SLOT_COUNT;
}

/** "0-5460 6000" (CLUSTER NODES as the lab writes it) -> [[0, 5460], [6000, 6000]]. */
export function parseSlots(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const part of text.split(/[\s,]+/)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m) out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return out;
}

export function holdsSlot(slots: string, slot: number): boolean {
  return parseSlots(slots).some(([a, b]) => slot >= a && slot <= b);
}
