/**
 * Points at the stage elements a lesson step talks about. The stage marks its elements with
 * data attributes (data-server, data-client, data-line, data-redis) and lists channels with a
 * <title>; this finds them and sets `data-lesson-highlight`, which the lessons panel styles.
 * A MutationObserver re-applies it when the stage redraws (a restarted server is a new element).
 */
const ATTR = 'data-lesson-highlight';

/** For a quoted attribute value in a selector (CSS.escape is not everywhere, e.g. jsdom). */
const quote = (v: string) => v.replace(/["\\]/g, '\\$&');

function find(root: ParentNode, id: string, clientId: (name: string) => string): Element[] {
  const [kind, ...rest] = id.split(':');
  const arg = rest.join(':');
  const q = (sel: string) => [...root.querySelectorAll(sel)];
  if (kind === 'redis') return q('[data-redis]');
  if (kind === 'balancer') return q('[data-balancer]');
  if (kind === 'server') return q(`[data-server="${quote(arg)}"]`);
  if (kind === 'client') return q(`[data-client="${quote(clientId(arg))}"]`);
  if (kind === 'line') {
    const [server, role] = arg.split(':');
    return q(`[data-line="${quote(`${role}:${server}`)}"]`);
  }
  // Channels and patterns: the Redis box titles each row with its full name.
  return q('[data-redis] title')
    .filter((t) => t.textContent === arg)
    .map((t) => t.closest('g') ?? t);
}

export function applyHighlight(
  ids: readonly string[],
  clientId: (name: string) => string,
  root: ParentNode = document,
): void {
  const wanted = new Set(ids.flatMap((id) => find(root, id, clientId)));
  for (const el of root.querySelectorAll(`[${ATTR}]`))
    if (!wanted.has(el)) el.removeAttribute(ATTR);
  for (const el of wanted) el.setAttribute(ATTR, '');
}

/** Keeps the highlight on while the stage redraws; returns the function that stops it. */
export function followHighlight(
  ids: readonly string[],
  clientId: (name: string) => string,
): () => void {
  let queued = false;
  const apply = () => {
    queued = false;
    applyHighlight(ids, clientId);
  };
  apply();
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(apply);
  });
  observer.observe(document.body, { childList: true, subtree: true });
  return () => {
    observer.disconnect();
    applyHighlight([], clientId);
  };
}
