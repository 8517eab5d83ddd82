import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../../trace/events.ts';
import NarrationLine from './NarrationLine.svelte';
import Walkthrough from './Walkthrough.svelte';

describe('Walkthrough', () => {
  it.each([8, 9, 10] as const)('highlights step %d and shows its text', (step) => {
    const { container } = render(Walkthrough, { props: { step } });
    const current = container.querySelectorAll('[aria-current="step"]');
    expect(current).toHaveLength(1);
    expect(current[0].getAttribute('data-step')).toBe(String(step));
    expect(current[0].querySelector('p')?.textContent?.length).toBeGreaterThan(20);
  });

  it("tells step 1 with the lab's own servers and ports", () => {
    const servers = [5301, 5302].map((port, i) => ({
      id: `s${i + 1}`,
      port,
      state: 'up' as const,
      clients: 0,
    }));
    const { container } = render(Walkthrough, {
      props: { step: 1, lab: { servers, adapter: 'redis' } },
    });
    expect(container.querySelector('[aria-current="step"] p')?.textContent).toContain(
      's1 on 5301 and s2 on 5302',
    );
  });

  it('lists all ten steps', () => {
    const { container } = render(Walkthrough, { props: { step: null } });
    expect(container.querySelectorAll('li')).toHaveLength(10);
    expect(container.querySelector('[aria-current]')).toBeNull();
  });
});

describe('NarrationLine', () => {
  const event: LabEvent = {
    kind: 'client.emit',
    seq: 1,
    t: 0,
    server: 's1',
    step: 8,
    flow: 's1-1',
    socketId: 'abcdefghijklmnopqrst',
    client: 'c1',
    event: 'chat message',
    args: ['<img src=x onerror=alert(1)><b>hi</b>'],
    bytes: 40,
  };

  it('renders message text as text, never as HTML, and says it aloud', () => {
    const { container, getByTestId } = render(NarrationLine, {
      props: { event, live: false, oninspect: () => {}, onfollow: () => {} },
    });
    expect(container.querySelector('img, b')).toBeNull();
    expect(getByTestId('narration').textContent).toContain('<b>hi</b>');
    // Said aloud in the same words, without the socket id.
    expect(getByTestId('live-region').textContent).toContain('c1 sent "chat message"');
    expect(getByTestId('live-region').textContent).not.toContain('abcdef');
    expect(container.querySelector('.narration')?.getAttribute('data-step')).toBe('8');
  });
});
