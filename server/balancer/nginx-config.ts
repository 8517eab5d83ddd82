/**
 * The nginx configuration the lab writes (docs/balancer.md shows one): one upstream group with
 * the lab's servers, and a server block on the balancer's port that passes every request on with
 * the WebSocket upgrade headers.
 *
 * - round-robin: plain `proxy_pass http://lab_servers`, nginx's default balancing: each request
 *   goes to the next server in turn, whatever session it belongs to.
 * - sticky: nginx without its commercial `sticky` directive cannot insert a cookie by itself,
 *   and `ip_hash` would send every client of this machine (all on 127.0.0.1) to one server. So
 *   two maps do what HAProxy's `cookie SERVERID insert` does: a request carrying the cookie
 *   `lab_server` goes to the server it names, if that server is up; any other goes round-robin,
 *   and every answer sets the cookie to the server that gave it (`$upstream_addr`).
 *
 * Pure: the text only, so it can be tested without nginx.
 */
import {
  BALANCER_HEADER,
  READ_TIMEOUT_S,
  STICKY_COOKIE,
  hostPort,
  upstreamHost,
  type BalancerMode,
  type Upstream,
} from './balancer-modes.ts';

export interface NginxConfigOptions {
  /** The folder nginx runs in: its pid file, logs and temp files. */
  dir: string;
  host: string;
  port: number;
  mode: Exclude<BalancerMode, 'off'>;
  servers: Upstream[];
  /** Counts the reloads; served at /lab-balancer so the lab can tell when a reload took. */
  generation: number;
}

/** Where the lab asks which configuration nginx is serving. */
export const STATUS_PATH = '/lab-balancer';

/** The address nginx listens on. */
function listenAddress(host: string, port: number): string {
  return hostPort(host === '::' ? '::' : host, port);
}

function upstreamLines(servers: Upstream[], host: string): string[] {
  // An upstream group needs at least one server; with none at all, one that is marked down.
  if (servers.length === 0) return ['    server 127.0.0.1:9 down;  # the lab has no server'];
  // max_fails=0: nginx keeps no memory of failures; the lab marks a server down itself, by
  // rewriting this list and reloading, the moment it stops.
  return servers.map(
    (s) =>
      `    server ${hostPort(upstreamHost(host), s.port)} ${s.up ? 'max_fails=0' : 'down'};  # ${s.id}${s.up ? '' : ' (not up)'}`,
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[.[\]]/g, (c) => `\\${c}`);
}

function stickyMaps(servers: Upstream[], host: string): string[] {
  const up = servers.filter((s) => s.up);
  const address = (s: Upstream) => hostPort(upstreamHost(host), s.port);
  return [
    '  # A request whose cookie names an up server goes there; any other goes round-robin.',
    `  map $cookie_${STICKY_COOKIE} $lab_upstream {`,
    '    default lab_servers;',
    ...up.map((s) => `    ${s.id} ${address(s)};`),
    '  }',
    '  # The server that answered (the last address, when nginx had to try another), for the cookie.',
    '  map $upstream_addr $lab_picked {',
    '    default "";',
    ...up.map((s) => `    "~${escapeRegex(address(s))}$" ${s.id};`),
    '  }',
  ];
}

export function nginxConfig(o: NginxConfigOptions): string {
  const sticky = o.mode === 'sticky';
  const lines = [
    `# Written by Fanout Lab (server/balancer/nginx-config.ts), generation ${o.generation}.`,
    '# The lab rewrites it and reloads nginx whenever a server starts, stops, is added or',
    '# removed, or the mode changes.',
    'daemon off;',
    'worker_processes 1;',
    `pid ${o.dir}/nginx.pid;`,
    `error_log ${o.dir}/error.log notice;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    // Its own temp folders: the compiled-in ones under /var/lib/nginx are root's.
    `  client_body_temp_path ${o.dir}/client_body;`,
    `  proxy_temp_path ${o.dir}/proxy;`,
    `  fastcgi_temp_path ${o.dir}/fastcgi;`,
    `  uwsgi_temp_path ${o.dir}/uwsgi;`,
    `  scgi_temp_path ${o.dir}/scgi;`,
    '  # WebSocket: pass the Upgrade on, and close the upstream connection of plain requests.',
    '  map $http_upgrade $connection_upgrade {',
    '    default upgrade;',
    "    '' close;",
    '  }',
    '  upstream lab_servers {',
    ...upstreamLines(o.servers, o.host),
    '  }',
    ...(sticky ? stickyMaps(o.servers, o.host) : []),
    '  server {',
    `    listen ${listenAddress(o.host, o.port)};`,
    `    location = ${STATUS_PATH} {`,
    '      default_type application/json;',
    `      return 200 '{"mode":"${o.mode}","generation":${o.generation}}';`,
    '    }',
    '    location / {',
    `      proxy_pass http://${sticky ? '$lab_upstream' : 'lab_servers'};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Upgrade $http_upgrade;',
    '      proxy_set_header Connection $connection_upgrade;',
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    `      proxy_set_header ${headerName(BALANCER_HEADER)} ${o.mode};`,
    `      # Above pingInterval + pingTimeout (25 s + 20 s): a long-poll is held that long.`,
    `      proxy_read_timeout ${READ_TIMEOUT_S}s;`,
    `      proxy_send_timeout ${READ_TIMEOUT_S}s;`,
    '      # Polling answers go to the client as they come.',
    '      proxy_buffering off;',
    ...(sticky
      ? [
          `      add_header Set-Cookie "${STICKY_COOKIE}=$lab_picked; Path=/; HttpOnly; SameSite=Lax" always;`,
        ]
      : []),
    '    }',
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** x-lab-balancer as nginx docs write headers: X-Lab-Balancer. */
function headerName(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
