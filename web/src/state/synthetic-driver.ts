/**
 * Drives the page from lib/synthetic-feed.ts instead of a lab (`?synthetic=clients,servers,flows`):
 * batches every 20 ms, like the monitor sink, into the same Timeline.receive a real feed uses.
 */
import { SyntheticLab, type SyntheticOptions } from '../lib/synthetic-feed.ts';
import type { Timeline } from './timeline.svelte.ts';

export function startSynthetic(timeline: Timeline, opts: SyntheticOptions): () => void {
  const lab = new SyntheticLab(opts, Date.now());
  timeline.receive(lab.setup(Date.now()));
  const id = setInterval(() => {
    const env = lab.tick(Date.now());
    if (env.events.length) timeline.receive(env);
  }, 20);
  return () => clearInterval(id);
}
