import { describe, expect, it } from 'vitest';
import { decisionClause, decisionLabel, roomOf } from './decision-words.ts';

describe('decision words', () => {
  it.each([
    ['socket.io#/#blue#', 'blue'],
    ['socket.io#/#', 'socket.io#/#'],
    ['socket.io-request#/#', 'socket.io-request#/#'],
    ['lab:monitor', 'lab:monitor'],
  ])('roomOf(%s) = %s', (ch, want) => expect(roomOf(ch)).toBe(want));

  it('says what a caught message would have done to a plain server, for one or several', () => {
    const r = { server: 's2', decision: 'undecodable', fatal: true } as const;
    expect(decisionClause(r)).toBe(
      's2 cannot decode it (a plain server would crash; this one keeps serving)',
    );
    expect(decisionClause(r, 's2 and s3', true)).toBe(
      's2 and s3 cannot decode it (a plain server would crash; these keep serving)',
    );
    expect(decisionClause({ ...r, fatal: false })).toBe(
      's2 cannot decode it and drops it, as the real adapter does',
    );
  });

  it('counts sockets in the clause and the label', () => {
    const r = { server: 's3', decision: 'delivered', sockets: 1 } as const;
    expect(decisionClause(r)).toBe('s3 writes it to 1 local socket');
    expect(decisionLabel(r)).toBe('✓ to 1 socket');
    expect(decisionLabel({ decision: 'delivered' })).toBe('✓ handled');
  });
});
