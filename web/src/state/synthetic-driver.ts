/**
 * Drives the page from lib/feed/synthetic-feed.ts instead of a lab (`?synthetic=clients,servers,flows`):
 * a worker batches every 20 ms, like the monitor sink, into the same Player.receive a real feed
 * uses. Without workers (tests), it runs on the main thread.
 */
import type { Envelope } from '../../../trace/events.ts';
import { SyntheticLab, type SyntheticOptions } from '../lib/feed/synthetic-feed.ts';
import type { Player } from './player.svelte.ts';

export function startSynthetic(player: Player, opts: SyntheticOptions): () => void {
  if (typeof Worker !== 'undefined') {
    const worker = new Worker(new URL('./synthetic-worker.ts', import.meta.url), {
      type: 'module',
    });
    worker.onmessage = (m: MessageEvent<Envelope>) => player.receive(m.data);
    worker.postMessage(opts);
    return () => worker.terminate();
  }
  const lab = new SyntheticLab(opts, Date.now());
  player.receive(lab.setup(Date.now()));
  const id = setInterval(() => {
    const env = lab.tick(Date.now());
    if (env.events.length) player.receive(env);
  }, 20);
  return () => clearInterval(id);
}
