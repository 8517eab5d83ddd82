/**
 * Drives the page from lib/synthetic-feed.ts instead of a lab (`?synthetic=clients,servers,flows`):
 * batches every 20 ms, like the monitor sink, into the same Timeline.receive a real feed uses.
 */
import { SyntheticLab, type SyntheticOptions } from '../lib/synthetic-feed.ts';
import type { Player } from './player.svelte.ts';

export function startSynthetic(player: Player, opts: SyntheticOptions): () => void {
  const lab = new SyntheticLab(opts, Date.now());
  player.receive(lab.setup(Date.now()));
  const id = setInterval(() => {
    const env = lab.tick(Date.now());
    if (env.events.length) player.receive(env);
  }, 20);
  return () => clearInterval(id);
}
