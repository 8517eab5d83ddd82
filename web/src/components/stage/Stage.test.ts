import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { stageModel } from '../../lib/stage/stage-model.ts';
import { Player } from '../../state/player.svelte.ts';
import Stage from './Stage.svelte';

function stage(script: LabScript, expanded: string[] = []) {
  const player = new Player();
  player.receiveHistory(script.events);
  const ontogglegroup = vi.fn();
  const onpickclient = vi.fn();
  const view = render(Stage, {
    props: {
      model: stageModel(player.state, null, false),
      player,
      reducedMotion: true,
      theme: 'light',
      expanded,
      selectedServer: null,
      pickedClient: null,
      onselectserver: () => {},
      onpickclient,
      ontogglegroup,
    },
  });
  return { ...view, ontogglegroup, onpickclient };
}

describe('Stage', () => {
  it("draws servers with their state, their pub and sub lines, and Redis's channels as nodes", () => {
    const s = new LabScript().serverUp('s1').serverUp('s2').connect('c1', 's1').serverDown('s2');
    const { container } = stage(s);
    expect(container.querySelector('[data-server="s1"]')?.getAttribute('data-state')).toBe('up');
    expect(container.querySelector('[data-server="s2"]')?.getAttribute('data-state')).toBe('down');
    expect(container.querySelector('[data-server="s2"] .state')?.textContent).toContain('■ down');
    for (const id of ['s1', 's2']) {
      expect(container.querySelector(`path[data-line="pub:${id}"]`)).not.toBeNull();
      expect(container.querySelector(`path[data-line="sub:${id}"]`)).not.toBeNull();
    }
    // s1's sub line ends at the pattern it PSUBSCRIBEd; s2, stopped, keeps only a dotted one.
    const s1 = container.querySelectorAll('path[data-line="sub:s1"]:not(.hit)');
    expect([...s1].map((p) => p.getAttribute('data-node'))).toEqual([
      'pattern:socket.io#/#*',
      'channel:socket.io-request#/#',
      'channel:socket.io-response#/#',
    ]);
    expect(container.querySelector('path[data-line="sub:s2"]')?.classList.contains('down')).toBe(
      true,
    );
    // Each node carries its full name, where lessons look for it.
    const redis = container.querySelector('[data-redis]')!;
    const titles = [...redis.querySelectorAll('[data-node] > title')].map((t) => t.textContent);
    expect(titles).toEqual([
      'socket.io#/#',
      'socket.io#/#*',
      'socket.io-request#/#',
      'socket.io-response#/#',
    ]);
    expect(container.querySelector('svg')?.getAttribute('viewBox')).toMatch(/^0 0 \d/);
  });

  it('picks a client by its label as well as its dot', async () => {
    const { container, onpickclient } = stage(new LabScript().serverUp('s1').connect('c1', 's1'));
    const label = container.querySelector('[data-client="c1"] .label')!;
    expect(label.textContent).toBe('c1');
    await fireEvent.click(label);
    expect(onpickclient).toHaveBeenCalledWith('c1');
  });

  it('folds many clients into a group that unfolds on click', async () => {
    const s = new LabScript().serverUp('s1');
    for (let i = 1; i <= 12; i++) s.connect(`c${i}`, 's1');
    const folded = stage(s);
    const group = folded.container.querySelector('[data-group="s1"]')!;
    expect(group.textContent).toContain('12');
    expect(folded.container.querySelectorAll('[data-client]')).toHaveLength(0);
    await fireEvent.click(group);
    expect(folded.ontogglegroup).toHaveBeenCalledWith('s1');
    folded.unmount();
    // jsdom lays nothing out, so the stage is as narrow as a phone's: unfolded, the group stays a
    // pill and its clients are listed in the Clients panel (the grid is stage-layout.test.ts's).
    const open = stage(s, ['s1']);
    expect(open.container.querySelectorAll('[data-client]')).toHaveLength(0);
    const pill = open.container.querySelector('[data-group="s1"]')!;
    expect(pill.textContent).toContain('12 ▴');
    expect(pill.getAttribute('aria-label')).toMatch(/^fold the clients of s1/);
  });
});
