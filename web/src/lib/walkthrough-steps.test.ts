import { describe, expect, it } from 'vitest';
import { serverPorts, walkthroughSteps } from './walkthrough-steps.ts';

const servers = (n: number, base = 5301) =>
  Array.from({ length: n }, (_, i) => ({
    id: `s${i + 1}`,
    port: base + i,
    state: 'up' as const,
    clients: 0,
  }));

describe('the ten steps', () => {
  it("name the lab's own servers and ports, however many there are", () => {
    expect(serverPorts(servers(1))).toBe('s1 on 5301');
    expect(serverPorts(servers(3))).toBe('s1 on 5301, s2 on 5302 and s3 on 5303');
    expect(serverPorts(servers(10))).toBe('s1 on 5301, s2 on 5302, s3 on 5303, … and s10 on 5310');
    const step1 = walkthroughSteps({ servers: servers(3, 4100), adapter: 'redis' })[0].text;
    expect(step1).toContain('s1 on 4100, s2 on 4101 and s3 on 4102');
    expect(step1).not.toContain('4001');
    expect(walkthroughSteps()[0].text).not.toMatch(/\d{4}/);
  });

  it('tell the order the adapter really follows', () => {
    const text = walkthroughSteps({ servers: servers(3), adapter: 'redis' }).map((s) => s.text);
    expect(text[7].indexOf('PUBLISHes')).toBeLessThan(text[7].indexOf('its own sockets'));
    expect(text[5]).toContain('returns a factory');
    expect(text[3]).toContain('RESP3');
    expect(text[9]).toContain('While Redis is down, only the clients of the sender’s server');
  });

  it('follow the adapter the lab runs', () => {
    const none = walkthroughSteps({ servers: servers(2), adapter: 'none' });
    expect(none.map((s) => s.text).join(' ')).not.toContain('PUBLISH');
    const sharded = walkthroughSteps({ servers: servers(2), adapter: 'sharded' });
    expect(sharded[4].text).toContain('SSUBSCRIBE');
    expect(sharded[7].text).toContain('SPUBLISH');
    expect(walkthroughSteps().map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
