import { describe, expect, it } from 'vitest';
import { KEYMAP, actionFor, nextSpeed, type KeyInput } from './keymap.ts';

describe('actionFor', () => {
  const cases: [KeyInput, string | undefined][] = [
    [{ key: 'ArrowRight' }, 'step-forward'],
    [{ key: 'PageDown' }, 'step-forward'],
    [{ key: 'PageUp' }, 'step-back'],
    [{ key: 'ArrowLeft' }, 'step-back'],
    [{ key: ' ' }, 'toggle-play'],
    [{ key: ' ', target: 'BUTTON' }, undefined],
    [{ key: ' ', target: 'g', role: 'button' }, undefined],
    [{ key: ' ', target: 'DIV', role: 'tab' }, undefined],
    [{ key: ' ', target: 'BODY', role: null }, 'toggle-play'],
    [{ key: 'ArrowRight', target: 'g', role: 'button' }, 'step-forward'],
    [{ key: '?' }, 'help'],
    [{ key: 'T' }, 'cycle-theme'],
    [{ key: 'f' }, 'follow'],
    [{ key: 'ArrowRight', target: 'INPUT' }, undefined],
    [{ key: 'Escape', target: 'INPUT' }, 'close'],
    [{ key: 'e', target: 'TEXTAREA' }, undefined],
    [{ key: 'g', editable: true }, undefined],
    [{ key: 'r', ctrlKey: true }, undefined],
    [{ key: 'z' }, undefined],
  ];
  it.each(cases)('%j -> %s', (input, want) => expect(actionFor(input)).toBe(want));

  it('binds each key once', () => {
    const keys = KEYMAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('nextSpeed', () => {
  it.each([
    [1, 1, 1.5],
    [1, -1, 0.5],
    [2, 1, 2],
    [0.1, -1, 0.1],
    [0.3, 1, 1],
  ])('%d step %d -> %d', (speed, dir, want) => expect(nextSpeed(speed, dir as 1 | -1)).toBe(want));
});
