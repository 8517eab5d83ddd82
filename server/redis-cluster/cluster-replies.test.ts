import { describe, expect, it } from 'vitest';
import {
  parseClusterInfo,
  parseClusterNodes,
  slotRanges,
  slotText,
  SLOTS,
} from './cluster-replies.ts';

describe('slotRanges', () => {
  it('splits the slots as redis-cli --cluster create does', () => {
    expect(slotRanges(3)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]);
    expect(slotRanges(1)).toEqual([[0, 16383]]);
  });

  it('covers every slot once, whatever the number of masters', () => {
    for (let n = 1; n <= 16; n++) {
      const ranges = slotRanges(n);
      expect(ranges).toHaveLength(n);
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(SLOTS - 1);
      for (let i = 1; i < n; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1] + 1);
    }
  });
});

describe('CLUSTER replies', () => {
  it('reads CLUSTER INFO', () => {
    const info = parseClusterInfo(
      'cluster_state:ok\r\ncluster_known_nodes:3\r\ncluster_stats_messages_publish_sent:12\r\n',
    );
    expect(info).toEqual({
      cluster_state: 'ok',
      cluster_known_nodes: 3,
      cluster_stats_messages_publish_sent: 12,
    });
  });

  it('reads CLUSTER NODES, with replicas, failing nodes and migrating slots', () => {
    const nodes = parseClusterNodes(
      [
        'aaa 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460 7000 [5461->-bbb]',
        'bbb 127.0.0.1:7002@17002 master,fail - 0 0 2 disconnected 5461-10922',
        'ccc 127.0.0.1:7004@17004 slave aaa 0 0 1 connected',
        '',
      ].join('\n'),
    );
    expect(nodes.map((n) => [n.id, n.port, n.role, n.myself, n.failing, n.connected])).toEqual([
      ['aaa', 7001, 'master', true, false, true],
      ['bbb', 7002, 'master', false, true, false],
      ['ccc', 7004, 'replica', false, false, true],
    ]);
    expect(nodes[0].slots).toEqual([
      [0, 5460],
      [7000, 7000],
    ]);
    expect(nodes[2].masterId).toBe('aaa');
    expect(slotText(nodes[0].slots)).toBe('0-5460 7000');
  });
});
