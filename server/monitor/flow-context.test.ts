import { describe, expect, it } from 'vitest';
import { FlowContext } from './flow-context.ts';

const flows = new FlowContext();
const currentFlow = () => flows.current();
const withFlow = flows.withFlow.bind(flows);
const withAsyncFlow = flows.withAsyncFlow.bind(flows);
const flowAcrossDispatch = flows.flowAcrossDispatch.bind(flows);

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('flow context', () => {
  it('withFlow is synchronous: nested scopes restore the outer flow, awaits do not see it', async () => {
    let afterAwait: string | undefined = 'unset';
    const pending = withFlow('a', async () => {
      expect(currentFlow()).toBe('a');
      withFlow('b', () => expect(currentFlow()).toBe('b'));
      expect(currentFlow()).toBe('a');
      await tick();
      afterAwait = currentFlow();
    });
    expect(currentFlow()).toBeUndefined();
    await pending;
    expect(afterAwait).toBeUndefined();
  });

  it('withAsyncFlow carries the flow across awaits, keeps concurrent flows apart, and ends when the promise settles', async () => {
    const seen: string[] = [];
    let lateTimer: Promise<void> | undefined;
    const job = (flow: string, hops: number) =>
      withAsyncFlow(flow, async () => {
        for (let i = 0; i < hops; i++) {
          await tick();
          seen.push(`${flow}:${currentFlow()}`);
        }
        // Work the flow leaves behind, which runs after its promise settled.
        if (flow === 'x')
          lateTimer = new Promise((resolve) =>
            setTimeout(() => resolve(void seen.push(`late:${currentFlow()}`)), 5),
          );
      });
    await Promise.all([job('x', 3), job('y', 2)]);
    expect([...seen].sort()).toEqual(['x:x', 'x:x', 'x:x', 'y:y', 'y:y']);
    // Nothing in flight: the async carrier is off, so what is left behind sees no flow.
    await lateTimer;
    expect(seen.at(-1)).toBe('late:undefined');
    // A rejection still ends it and reaches the caller.
    await expect(
      withAsyncFlow('z', async () => {
        await tick();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(currentFlow()).toBeUndefined();
  });

  it('flowAcrossDispatch gives the flow to the tick that next() schedules, and to no other', async () => {
    const seen: (string | undefined)[] = [];
    process.nextTick(() => seen.push(currentFlow()));
    flowAcrossDispatch('f', () => process.nextTick(() => seen.push(currentFlow())));
    process.nextTick(() => seen.push(currentFlow()));
    await tick();
    expect(seen).toEqual([undefined, 'f', undefined]);
  });

  it('two contexts keep their flows and their counters apart', () => {
    const other = new FlowContext();
    withFlow('mine', () => expect(other.current()).toBeUndefined());
    expect(flows.newFlowId('s1', 'k3f9')).toBe('s1-1@k3f9');
    expect(other.newFlowId('s1', 'k3f9')).toBe('s1-1@k3f9');
    expect(flows.newFlowId('s1', 'k3f9')).toBe('s1-2@k3f9');
  });
});
