import { describe, expect, it } from 'vitest';
import { decode, encode } from 'notepack.io';
import { tagForPublish as tagWith } from './flow-tags.ts';
import { FlowContext } from './flow-context.ts';

const flows = new FlowContext();
const tagForPublish = (given: Buffer, current: string | undefined, server: string, lab: string) =>
  tagWith(given, current, server, lab, flows);

describe('tagForPublish', () => {
  it('adds labFlow to a JSON request, keeping the fields the adapter reads', () => {
    const { flow, payload } = tagForPublish(
      Buffer.from(JSON.stringify({ uid: 'u', type: 5, requestId: 'r' })),
      's1-3@k3f9',
      's1',
      'k3f9',
    );
    expect(flow).toBe('s1-3@k3f9');
    expect(JSON.parse(String(payload))).toEqual({
      uid: 'u',
      type: 5,
      requestId: 'r',
      labFlow: 's1-3@k3f9',
    });
  });

  it("says which lab answered when it answers another lab's flow, in msgpack too", () => {
    const { payload } = tagForPublish(
      Buffer.from(encode({ type: 9, requestId: 'r', packet: [1] })),
      's1-3@b7c2',
      's2',
      'k3f9',
    );
    expect(decode(payload!)).toEqual({
      type: 9,
      requestId: 'r',
      packet: [1],
      labFlow: 's1-3@b7c2',
      labFrom: 'k3f9',
    });
  });

  it('gives an object published outside any flow a flow of its own lab, never a hash', () => {
    const { flow, payload } = tagForPublish(Buffer.from('{"type":1}'), undefined, 's4', 'k3f9');
    expect(flow).toMatch(/^s4-\d+@k3f9$/);
    expect(JSON.parse(String(payload)).labFlow).toBe(flow);
  });

  it('leaves broadcasts (arrays), tagged payloads and bytes that do not decode as they are', () => {
    const broadcast = Buffer.from(encode(['u', {}, { flags: { labFlow: 's1-1@k3f9' } }]));
    expect(tagForPublish(broadcast, undefined, 's1', 'k3f9')).toEqual({ flow: 's1-1@k3f9' });
    const tagged = Buffer.from('{"labFlow":"s2-9@k3f9"}');
    expect(tagForPublish(tagged, undefined, 's1', 'k3f9')).toEqual({ flow: 's2-9@k3f9' });
    expect(tagForPublish(Buffer.from('{oops'), 's1-2@k3f9', 's1', 'k3f9')).toEqual({
      flow: 's1-2@k3f9',
    });
  });
});
