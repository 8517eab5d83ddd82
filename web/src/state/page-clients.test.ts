import { describe, expect, it } from 'vitest';
import { nextPageClientId } from './page-clients.svelte.ts';

describe('page client names', () => {
  it.each([
    [[], 'p1'],
    [['c1', 'c2', 'c3'], 'p1'],
    [['c1', 'p1', 'p2'], 'p3'],
    // Another page's p7 is taken too: one series for the whole lab.
    [['p1', 'p7', 'pwp31'], 'p8'],
  ])('after %j comes %s', (taken, next) => expect(nextPageClientId(taken)).toBe(next));
});
