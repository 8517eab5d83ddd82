/**
 * Every key the page answers to, in one table: the `?` overlay lists it, the key handler reads
 * it. A presenter's clicker sends PageDown/PageUp, so those step too.
 */
export type Action =
  | 'toggle-play'
  | 'step-forward'
  | 'step-back'
  | 'go-live'
  | 'faster'
  | 'slower'
  | 'first'
  | 'last'
  | 'follow'
  | 'unfollow'
  | 'cycle-theme'
  | 'help'
  | 'export'
  | 'open'
  | 'focus-message'
  | 'toggle-groups'
  | 'close';

export interface KeyBinding {
  keys: string[];
  action: Action;
  label: string;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: [' ', 'k'], action: 'toggle-play', label: 'Pause, or play from here' },
  {
    keys: ['ArrowRight', 'PageDown', '.', 'l'],
    action: 'step-forward',
    label: 'Step one hop forward',
  },
  { keys: ['ArrowLeft', 'PageUp', ',', 'j'], action: 'step-back', label: 'Step one hop back' },
  { keys: ['g'], action: 'go-live', label: 'Back to live' },
  { keys: ['+', '='], action: 'faster', label: 'Play faster (up to 2×)' },
  { keys: ['-', '_'], action: 'slower', label: 'Play slower (down to 0.1×)' },
  { keys: ['Home'], action: 'first', label: 'First recorded hop' },
  { keys: ['End'], action: 'last', label: 'Last recorded hop' },
  { keys: ['f'], action: 'follow', label: 'Follow the current message' },
  { keys: ['t'], action: 'cycle-theme', label: 'Theme: light, dark, projector' },
  { keys: ['e'], action: 'export', label: 'Export the recording' },
  { keys: ['o'], action: 'open', label: 'Open a trace file' },
  { keys: ['m'], action: 'focus-message', label: 'Type a message as the picked client' },
  { keys: ['x'], action: 'toggle-groups', label: 'Unfold or fold client groups' },
  { keys: ['?'], action: 'help', label: 'Show these keys' },
  { keys: ['Escape'], action: 'close', label: 'Close overlay, stop following' },
];

const BY_KEY = new Map<string, Action>();
for (const b of KEYMAP) for (const k of b.keys) BY_KEY.set(k, b.action);

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The tag of the focused element, e.g. INPUT. */
  target?: string;
  /** The focused element is contenteditable. */
  editable?: boolean;
  /** The focused element's ARIA role, e.g. `button` for a stage server or client group. */
  role?: string | null;
}

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const OWN_SPACE_TAGS = new Set(['BUTTON', 'A', 'SUMMARY']);
const OWN_SPACE_ROLES = new Set([
  'button',
  'link',
  'checkbox',
  'switch',
  'tab',
  'menuitem',
  'option',
]);

/** The action for a key press, or undefined to let the browser have it. */
export function actionFor(k: KeyInput): Action | undefined {
  if (k.ctrlKey || k.metaKey || k.altKey) return undefined;
  const typing = (k.target !== undefined && TYPING.has(k.target)) || k.editable === true;
  if (typing) return k.key === 'Escape' ? 'close' : undefined;
  // Buttons and links keep Space and Enter for themselves, whether they are <button> or, like
  // the stage's servers and client groups, role=button: Space plays only on the page itself.
  if (k.key === ' ' && (OWN_SPACE_TAGS.has(k.target ?? '') || OWN_SPACE_ROLES.has(k.role ?? '')))
    return undefined;
  const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
  return BY_KEY.get(k.key) ?? BY_KEY.get(key);
}

export const SPEEDS = [0.1, 0.25, 0.5, 1, 1.5, 2] as const;

export function nextSpeed(speed: number, dir: 1 | -1): number {
  const i = SPEEDS.findIndex((s) => s >= speed - 1e-9);
  const at = i === -1 ? SPEEDS.length - 1 : i;
  return SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, at + dir))];
}
