import { describe, expect, it } from 'vitest';
import { channelRulesOf, labChannelRules, userOf, withCredentials } from './redis-acl.ts';
import { labsInClientList } from './monitor/lab-census.ts';
import { parseClientList } from './client-list.ts';

describe('the lab as a Redis user', () => {
  it('puts credentials in the URL, and reads the user back', () => {
    const url = withCredentials('redis://127.0.0.1:6379', 'class b', 'p@ss:w/rd');
    expect(userOf(url)).toBe('class b');
    expect(new URL(url).password).toBe(encodeURIComponent('p@ss:w/rd'));
    expect(withCredentials('redis://u:p@h:1')).toBe('redis://u:p@h:1');
    expect(userOf('redis://h:1')).toBe('default');
  });

  it("grants the adapter's PSUBSCRIBE pattern literally, and escapes glob characters in names", () => {
    expect(labChannelRules('socket.io', 'lab:monitor')).toEqual([
      '&socket.io#/#*',
      '&socket.io-request#/#*',
      '&socket.io-response#/#*',
      '&lab:monitor',
      '&lab:monitor:roster',
    ]);
    expect(labChannelRules('class-b', 'lab:mon[1]')).toContain('&lab:mon\\[1\\]');
  });

  it("reads a user's channel rules from ACL LIST, to give them back", () => {
    const list = ['user default on nopass ~* &* +@all', 'user x on resetchannels &a &b -@all'];
    expect(channelRulesOf(list, 'default')).toEqual(['&*']);
    expect(channelRulesOf(list, 'x')).toEqual(['&a', '&b']);
    expect(channelRulesOf(list, 'nobody')).toEqual(['allchannels']);
  });
});

describe('labsInClientList', () => {
  it('groups connections by lab, with their servers and whether any listens', () => {
    const list = [
      'id=1 addr=a name=s1:pub@k3f9 age=1 user=default',
      'id=2 addr=a name=s1:sub@k3f9 age=1 user=default',
      'id=3 addr=a name=hub:monitor@b7c2 age=1 user=fanout',
      'id=4 addr=a name=test:admin age=1 user=default',
      'id=5 addr=a name= age=1 user=default',
    ].join('\n');
    const labs = labsInClientList(parseClientList(list));
    expect([...labs.keys()].sort()).toEqual(['b7c2', 'k3f9']);
    expect(labs.get('k3f9')).toEqual({ servers: new Set(['s1']), listens: true });
    expect(labs.get('b7c2')).toEqual({ servers: new Set(), listens: false });
  });
});
