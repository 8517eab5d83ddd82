/**
 * Light, dark and projector (large text, strong contrast) themes, and the reduced-motion
 * preference. The theme is kept across visits; reduced motion follows the system setting
 * unless the viewer turns motion off here too.
 */
export type ThemeName = 'light' | 'dark' | 'projector';
const THEMES: ThemeName[] = ['light', 'dark', 'projector'];
const KEY = 'fanout-lab-theme';
const QUIET_KEY = 'fanout-lab-quiet';

export class Theme {
  name = $state<ThemeName>('light');
  systemReducedMotion = $state(false);
  motionOff = $state(false);
  reducedMotion = $derived(this.systemReducedMotion || this.motionOff);
  /** The screen reader's live line says nothing while live (kept across visits). */
  quiet = $state(false);

  constructor() {
    if (typeof window === 'undefined') return;
    const saved = localStorage.getItem(KEY) as ThemeName | null;
    const prefersDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
    this.name = saved && THEMES.includes(saved) ? saved : prefersDark ? 'dark' : 'light';
    this.quiet = localStorage.getItem(QUIET_KEY) === '1';
    const motion = window.matchMedia?.('(prefers-reduced-motion: reduce)');
    this.systemReducedMotion = motion?.matches ?? false;
    motion?.addEventListener?.('change', (e) => (this.systemReducedMotion = e.matches));
    this.apply();
  }

  set(name: ThemeName): void {
    this.name = name;
    localStorage.setItem(KEY, name);
    this.apply();
  }

  setQuiet(quiet: boolean): void {
    this.quiet = quiet;
    localStorage.setItem(QUIET_KEY, quiet ? '1' : '0');
  }

  cycle(): void {
    this.set(THEMES[(THEMES.indexOf(this.name) + 1) % THEMES.length]);
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.name;
  }
}
