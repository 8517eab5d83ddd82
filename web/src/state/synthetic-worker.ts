/**
 * The synthetic lab runs in a worker, as a real lab runs in other processes: the page's main
 * thread only receives envelopes (a structured clone, as socket.io would decode them) and does
 * its own work on them.
 */
import { SyntheticLab, type SyntheticOptions } from '../../../trace/sim/synthetic-lab.ts';

const scope = self as unknown as {
  onmessage: ((m: MessageEvent<SyntheticOptions>) => void) | null;
  postMessage: (message: unknown) => void;
};

scope.onmessage = (m) => {
  const lab = new SyntheticLab(m.data, Date.now());
  scope.postMessage(lab.setup(Date.now()));
  setInterval(() => {
    const envelopes = lab.tick(Date.now());
    if (envelopes.length) scope.postMessage(envelopes);
  }, 20);
};
