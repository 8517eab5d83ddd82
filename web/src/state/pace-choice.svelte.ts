/**
 * Which live pace the page starts in: class in the projector theme (a class is watching),
 * real time otherwise, until the viewer picks one; the pick is kept across visits.
 */
import type { Pace, Player } from './player.svelte.ts';
import type { Theme } from './theme.svelte.ts';

const KEY = 'fanout-lab-pace';

export class PaceChoice {
  private chosen: Pace | null;

  /** Call while a component initialises: it follows the theme with an effect. */
  constructor(
    private readonly player: Player,
    theme: Theme,
  ) {
    const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
    this.chosen = saved === 'real' || saved === 'class' ? saved : null;
    $effect(() => {
      const projector = theme.name === 'projector';
      if (this.chosen === null) player.setPace(projector ? 'class' : 'real');
      else player.setPace(this.chosen);
    });
  }

  choose(pace: Pace): void {
    this.chosen = pace;
    localStorage.setItem(KEY, pace);
    this.player.setPace(pace);
  }
}
