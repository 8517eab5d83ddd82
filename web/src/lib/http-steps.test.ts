import { describe, expect, it } from 'vitest';
import { walkthroughSteps, type WalkthroughLab } from './walkthrough-steps.ts';

const lab = (mode?: 'sticky' | 'round-robin' | 'off'): WalkthroughLab => ({
  adapter: 'redis',
  servers: [{ id: 's1', port: 4001, state: 'up', clients: 0 }],
  ...(mode ? { balancer: { port: 4080, mode, kind: 'nginx' as const } } : {}),
});

describe('the HTTP steps in the walkthrough', () => {
  it('are left out of the ten steps when there is no balancer and no HTTP step is shown', () => {
    expect(walkthroughSteps(lab()).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(walkthroughSteps(lab('off'), 3).map((s) => s.step)).not.toContain('1a');
  });

  it('come between step 1 and step 2 when the lab has a balancer', () => {
    const steps = walkthroughSteps(lab('round-robin')).map((s) => s.step);
    expect(steps.slice(0, 4)).toEqual([1, '1a', '1b', 2]);
  });

  it('come when the current event is one, balancer or not (a polling client straight to a server)', () => {
    const steps = walkthroughSteps(lab(), '1a');
    expect(steps.map((s) => s.step).slice(0, 3)).toEqual([1, '1a', '1b']);
    expect(steps[1]).toMatchObject({ title: 'Long-polling requests' });
    expect(steps[1].text).not.toMatch(/balancer/);
  });

  it.each([
    [
      'round-robin',
      /port 4080 sends each request to the next server in turn.*400 Session ID unknown/,
    ],
    ['sticky', /port 4080 is sticky.*cookie \(lab_server\)/],
  ] as const)('tell what the %s balancer does to long-polling', (mode, text) => {
    const [, a, b] = walkthroughSteps(lab(mode));
    expect(a).toMatchObject({ step: '1a', title: 'Through the balancer' });
    expect(a.text).toMatch(text);
    expect(b).toMatchObject({ step: '1b', title: 'The upgrade' });
    expect(b.text).toMatch(/websocket-only client.*no stickiness.*no long-polling to fall back on/);
  });
});
