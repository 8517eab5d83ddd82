import { describe, expect, it } from 'vitest';
import { nginxConfig } from './nginx-config.ts';
import { stickyTarget, type Upstream } from './balancer-modes.ts';

const servers: Upstream[] = [
  { id: 's1', port: 4001, up: true },
  { id: 's2', port: 4002, up: false },
  { id: 's3', port: 4003, up: true },
];
const base = { dir: '/tmp/x', host: '127.0.0.1', port: 4080, servers, generation: 3 };

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim());
}

describe('nginxConfig', () => {
  it('round-robin passes every request to the upstream group, with the upgrade headers and no cookie', () => {
    const conf = lines(nginxConfig({ ...base, mode: 'round-robin' }));
    expect(conf).toContain('proxy_pass http://lab_servers;');
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(conf).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(conf).toContain('proxy_set_header X-Lab-Balancer round-robin;');
    expect(conf.join('\n')).not.toMatch(/Set-Cookie|ip_hash|\bhash\b/);
  });

  it('lists every server, the ones not up marked down, and listens on the balancer port', () => {
    const conf = lines(nginxConfig({ ...base, mode: 'round-robin' }));
    expect(conf).toContain('server 127.0.0.1:4001 max_fails=0;  # s1');
    expect(conf).toContain('server 127.0.0.1:4002 down;  # s2 (not up)');
    expect(conf).toContain('listen 127.0.0.1:4080;');
    expect(conf).toContain('daemon off;');
    expect(conf).toContain('pid /tmp/x/nginx.pid;');
  });

  it('keeps a long-poll open longer than pingInterval + pingTimeout (45 s)', () => {
    const timeout = /proxy_read_timeout (\d+)s;/.exec(nginxConfig({ ...base, mode: 'sticky' }));
    expect(Number(timeout?.[1])).toBeGreaterThan(45);
  });

  it('sticky sends a cookie naming an up server there, anything else round-robin, and sets the cookie', () => {
    const conf = lines(nginxConfig({ ...base, mode: 'sticky' }));
    expect(conf).toContain('proxy_pass http://$lab_upstream;');
    expect(conf).toContain('map $cookie_lab_server $lab_upstream {');
    expect(conf).toContain('default lab_servers;');
    expect(conf).toContain('s1 127.0.0.1:4001;');
    expect(conf).toContain('s3 127.0.0.1:4003;');
    expect(conf).not.toContain('s2 127.0.0.1:4002;');
    expect(conf).toContain('"~127\\.0\\.0\\.1:4003$" s3;');
    expect(conf).toContain(
      'add_header Set-Cookie "lab_server=$lab_picked; Path=/; HttpOnly; SameSite=Lax" always;',
    );
  });

  it('serves its generation, so the lab can tell when a reload took', () => {
    expect(nginxConfig({ ...base, mode: 'sticky' })).toContain(
      `return 200 '{"mode":"sticky","generation":3}';`,
    );
  });

  it('reaches servers on 0.0.0.0 through loopback, and brackets IPv6', () => {
    const any = lines(nginxConfig({ ...base, host: '0.0.0.0', mode: 'round-robin' }));
    expect(any).toContain('listen 0.0.0.0:4080;');
    expect(any).toContain('server 127.0.0.1:4001 max_fails=0;  # s1');
    const v6 = lines(nginxConfig({ ...base, host: '::1', mode: 'sticky' }));
    expect(v6).toContain('listen [::1]:4080;');
    expect(v6).toContain('s1 [::1]:4001;');
  });

  it('keeps a valid upstream group when the lab has no server', () => {
    const conf = lines(nginxConfig({ ...base, servers: [], mode: 'round-robin' }));
    expect(conf).toContain('server 127.0.0.1:9 down;  # the lab has no server');
  });
});

describe('stickyTarget', () => {
  it('finds the up server a cookie names, among other cookies', () => {
    expect(stickyTarget('a=1; lab_server=s3; b=2', servers)?.id).toBe('s3');
    expect(stickyTarget('lab_server=s1', servers)?.id).toBe('s1');
  });
  it('ignores a server that is not up, an unknown one, and no cookie', () => {
    expect(stickyTarget('lab_server=s2', servers)).toBeUndefined();
    expect(stickyTarget('lab_server=s9', servers)).toBeUndefined();
    expect(stickyTarget('xlab_server=s1', servers)).toBeUndefined();
    expect(stickyTarget(undefined, servers)).toBeUndefined();
  });
});
