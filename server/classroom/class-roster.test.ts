import { describe, expect, it } from 'vitest';
import { LabError } from '../lab-error.ts';
import { ClassRoster, type PlaceableServer } from './class-roster.ts';

const servers = (...states: PlaceableServer['state'][]): PlaceableServer[] =>
  states.map((state, i) => ({ id: `s${i + 1}`, port: 4001 + i, state }));

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof LabError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('ClassRoster', () => {
  it('places phones round-robin over the servers that are up', () => {
    const roster = new ClassRoster();
    const lab = servers('up', 'down', 'up');
    const placed = ['A', 'B', 'C', 'D'].map((n) => roster.join(n, lab).server);
    expect(placed).toEqual(['s1', 's3', 's1', 's3']);
  });

  it("places every phone on the teacher's server, and says so when it is not up", () => {
    const roster = new ClassRoster();
    roster.chosen = 's2';
    expect(roster.join('A', servers('up', 'up')).server).toBe('s2');
    expect(refusal(() => roster.join('B', servers('up', 'crashed'))).message).toMatch(
      /s2, where the teacher puts new phones, is not up/,
    );
  });

  it('gives each student an id and a key of its own, and knows a phone by both', () => {
    const roster = new ClassRoster();
    const a = roster.join('A', servers('up'));
    const b = roster.join('B', servers('up'));
    expect(a.id).not.toBe(b.id);
    expect(a.key).not.toBe(b.key);
    expect(roster.verify(a.id, a.key)).toBe(a);
    expect(roster.verify(a.id, b.key)).toBeUndefined();
    expect(roster.verify(a.id, undefined)).toBeUndefined();
    expect(roster.verify('nobody', a.key)).toBeUndefined();
  });

  it('refuses a full class, a taken name, paused joining and no server, each in one sentence', () => {
    const roster = new ClassRoster(2);
    roster.join('Ada', servers('up'));
    expect(refusal(() => roster.join('ADA', servers('up')))).toEqual({
      status: 409,
      message: 'Someone in the class is already called "ADA"; pick another.',
    });
    roster.join('Bob', servers('up'));
    expect(refusal(() => roster.join('Cy', servers('up'))).message).toBe(
      'The class is full: it has 2 phones, the most this lab takes (--class-size).',
    );
    roster.remove(roster.list()[0].id);
    roster.joining = 'paused';
    expect(refusal(() => roster.join('Cy', servers('up'))).message).toMatch(/paused/);
    roster.joining = 'open';
    expect(refusal(() => roster.join('Cy', servers('down'))).message).toMatch(/No server/);
    expect(refusal(() => roster.join('', servers('up'))).status).toBe(400);
  });

  it('moves a phone off a removed server, round-robin, even when the teacher chose that one', () => {
    const roster = new ClassRoster();
    const a = roster.join('A', servers('up', 'up', 'up'));
    roster.chosen = 's1';
    expect(roster.move(a, servers('up', 'up', 'up'))).toBe(true);
    expect(a.server).not.toBe('s1');
    expect(a.port).toBe(a.server === 's2' ? 4002 : 4003);
    const b = roster.join('B', servers('up', 'up'));
    expect(roster.move(b, servers('up'))).toBe(false);
  });

  it('clears the names', () => {
    const roster = new ClassRoster();
    roster.join('A', servers('up'));
    roster.join('B', servers('up'));
    expect(roster.clear().map((s) => s.name)).toEqual(['A', 'B']);
    expect(roster.count).toBe(0);
    expect(roster.join('A', servers('up')).name).toBe('A');
  });
});
