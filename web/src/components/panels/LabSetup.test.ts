import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import { LabApi } from '../../state/lab-api.ts';
import LabSetup from './LabSetup.svelte';

describe('LabSetup', () => {
  it('offers a subscription mode for the sharded adapter, and rebuilds with it', async () => {
    const run = vi.fn(async () => undefined);
    const lab = { servers: [], resp: 3 } as unknown as LabInfo;
    const { container, getByText } = render(LabSetup, { props: { lab, api: new LabApi(), run } });
    const adapter = container.querySelector('select') as HTMLSelectElement;
    expect(container.querySelector('[data-testid=subscription-mode]')).toBeNull();
    await fireEvent.change(adapter, { target: { value: 'sharded' } });
    const mode = container.querySelector('[data-testid=subscription-mode]') as HTMLSelectElement;
    await fireEvent.change(mode, { target: { value: 'static' } });
    await fireEvent.click(getByText('Rebuild'));
    expect(run).toHaveBeenCalledWith('Rebuild the lab', {
      method: 'POST',
      path: '/api/lab/setup',
      body: { servers: 3, adapter: 'sharded', subscriptionMode: 'static', resp: 3 },
    });
  });
});
