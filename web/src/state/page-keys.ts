/**
 * What each key does on the page (lib/keys/keymap.ts says which key is which action), and the
 * handler that asks the keymap and runs the action, leaving keys alone while typing.
 */
import { actionFor, type Action } from '../lib/keys/keymap.ts';
import type { PageUi } from './page-ui.svelte.ts';
import type { Player } from './player.svelte.ts';
import type { Theme } from './theme.svelte.ts';
import { downloadTrace } from './trace-files.ts';

export function pageActions(
  ui: PageUi,
  player: Player,
  theme: Theme,
  servers: () => string[],
): Record<Action, () => void> {
  return {
    'toggle-play': () => player.togglePlay(),
    'step-forward': () => player.stepForward(),
    'step-back': () => player.stepBack(),
    'go-live': () => player.goLive(),
    faster: () => player.changeSpeed(1),
    slower: () => player.changeSpeed(-1),
    first: () => player.first(),
    last: () => player.last(),
    follow: () => player.followFlow(player.current?.flow),
    unfollow: () => player.unfollow(),
    'cycle-theme': () => theme.cycle(),
    help: () => (ui.helpOpen = !ui.helpOpen),
    export: () => downloadTrace(player),
    open: () => ui.fileInput?.click(),
    'focus-message': () => ui.focusMessage(),
    'toggle-groups': () => ui.toggleAllGroups(servers()),
    close: () => {
      if (ui.helpOpen) ui.helpOpen = false;
      else player.unfollow();
      (document.activeElement as HTMLElement | null)?.blur?.();
    },
  };
}

/** The window's keydown handler; with the `?` overlay open only `?` and Esc act. */
export function keyHandler(actions: Record<Action, () => void>, ui: PageUi) {
  return (e: KeyboardEvent): void => {
    const el = e.target as HTMLElement | null;
    const action = actionFor({
      key: e.key,
      ctrlKey: e.ctrlKey,
      metaKey: e.metaKey,
      altKey: e.altKey,
      target: el?.tagName,
      role: el?.getAttribute?.('role'),
      editable: el?.isContentEditable,
    });
    if (!action) return;
    if (ui.helpOpen && action !== 'help' && action !== 'close') return;
    e.preventDefault();
    actions[action]();
  };
}
