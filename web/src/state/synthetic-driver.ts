/**
 * Drives the page from the simulated lab instead of a real one (`?synthetic=clients,servers,flows`,
 * trace/sim/synthetic-lab.ts): a worker batches every 20 ms into the same
 * Player.receive a real feed uses (the real sink batches every 50 ms, BATCH_MS; 20 ms gives the
 * page more frames with news, the harder case). Without workers (tests), it runs on the main thread.
 */
import type { Envelope } from '../../../trace/events.ts';
import { SyntheticLab, type SyntheticOptions } from '../../../trace/sim/synthetic-lab.ts';
import type { Player } from './player.svelte.ts';

export function startSynthetic(player: Player, opts: SyntheticOptions): () => void {
  const receive = (envelopes: Envelope[]) => {
    for (const e of envelopes) player.receive(e);
  };
  if (typeof Worker !== 'undefined') {
    const worker = new Worker(new URL('./synthetic-worker.ts', import.meta.url), {
      type: 'module',
    });
    worker.onmessage = (m: MessageEvent<Envelope[]>) => receive(m.data);
    worker.postMessage(opts);
    return () => worker.terminate();
  }
  const lab = new SyntheticLab(opts, Date.now());
  receive(lab.setup(Date.now()));
  const id = setInterval(() => receive(lab.tick(Date.now())), 20);
  return () => clearInterval(id);
}
