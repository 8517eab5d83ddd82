import type { RunningLab } from './start-lab.ts';
import { lanAddresses } from './lan-addresses.ts';
import type { ClusterInfo, LabInfo } from '../trace/lab-info.ts';
import { anonymous } from './outsider.ts';
import { balancerLine } from './balancer/lab-balancing.ts';

/** The cluster and its nodes: the adapters' traffic goes there, the lab's own to the Redis above. */
function clusterLines(c: ClusterInfo): string[] {
  const nodes = c.nodes.map(
    (n) =>
      `                 ${n.name} ${n.url.replace('redis://', '')} ${n.role}${n.master ? ` of ${n.master}` : ''}${n.slots ? ` slots ${n.slots}` : ''}${n.state === 'down' ? ' (down)' : ''}`,
  );
  return [
    `  Redis Cluster  ${c.kind}, ${c.nodes.length} nodes (version ${c.version}): the adapters' pub/sub goes here;`,
    `                 the Redis above carries only the lab's own channels. ${c.reason[0].toUpperCase()}${c.reason.slice(1)}.`,
    ...nodes,
  ];
}

/** Other labs on this Redis, and whether their broadcasts cross with ours. */
export function otherLabLines(labs: LabInfo['otherLabs']): string[] {
  if (labs.length === 0) return ['  Other labs     none on this Redis'];
  return labs.map(
    (l, i) =>
      `${i === 0 ? '  Other labs     ' : '                 '}${l.id}${l.servers.length ? ` (${l.servers.join(', ')})` : ''}: ${
        l.sharesChannels
          ? 'listens on the same channels, so broadcasts cross between the labs; give one of them another --key'
          : 'shares this Redis, on channels of its own'
      }`,
  );
}

export function banner(running: RunningLab, host: string): string {
  const info = running.lab.info();
  const r = info.redis;
  const lines = [
    '',
    '  Fanout Lab is up.',
    '',
    `  Page and API   ${running.url}`,
    `  Servers        ${info.servers.map((s) => `${s.id} :${s.port}${s.kind === 'remote' ? ' (npm run server)' : ''}`).join('   ')}`,
    `  Adapter        ${info.adapter}${info.subscriptionMode ? ` (${info.subscriptionMode})` : ''}`,
    `  Redis          ${r.kind === 'embedded' ? 'embedded broker' : r.kind} at ${r.url} (version ${r.version})`,
    `                 ${r.reason}.`,
  ];
  if (r.kind === 'embedded' && !r.reason.includes('real Redis')) {
    lines.push(
      '                 For a real Redis instead: install redis-server, or pass --redis redis://host:6379.',
    );
  }
  if (r.cluster) lines.push(...clusterLines(r.cluster));
  lines.push(
    `  Monitor        ${info.monitor.enabled ? `on, channel ${info.monitor.channel}` : 'off'}`,
  );
  if (info.balancer) lines.push(`  Balancer       ${balancerLine(info.balancer)}`);
  if (r.user !== 'default') lines.push(`  Redis user     ${r.user} (ACL)`);
  if (info.key !== 'socket.io')
    lines.push(`  Channel key    ${info.key} (channels ${info.key}#/#...)`);
  const nextPort = Math.max(...info.servers.map((s) => s.port)) + 1;
  const join = [
    `npm run server -- --lab ${info.labId} --name s${info.servers.length + 1} --port ${nextPort}`,
    `--redis ${anonymous(r.url)}`,
    ...(info.key !== 'socket.io' ? [`--key ${info.key}`] : []),
    ...(r.user !== 'default' ? [`--redis-user ${r.user} --redis-password <its password>`] : []),
    // Its adapter must be the lab's, and on a cluster its pub/sub must go to the same nodes.
    ...(info.adapter !== 'redis' ? [`--adapter ${info.adapter}`] : []),
    ...(info.subscriptionMode ? [`--subscription-mode ${info.subscriptionMode}`] : []),
    ...(r.cluster
      ? [`--redis-cluster ${r.cluster.nodes.map((n) => anonymous(n.url)).join(',')}`]
      : []),
  ];
  lines.push(
    `  Lab id         ${info.labId}`,
    `                 Another machine's server joins with: ${join.join(' ')}`,
  );
  if (r.cluster?.kind === 'local')
    lines.push(
      '                 (The local cluster listens on loopback only, so that works on this machine; for servers on other machines, give the lab a cluster by URLs: docs/cluster.md.)',
    );
  lines.push(...otherLabLines(info.otherLabs));
  if (running.token) {
    const urls = lanAddresses().map((a) => `http://${a}:${running.hub.port}`);
    const shown = urls.length ? urls : [running.url];
    lines.push(`  Exposed on     ${host}: anyone on this network can watch`);
    lines.push(`  Class opens    ${shown.join('   ')}`);
    if (info.class)
      lines.push(
        `  Phones join    ${info.class.joinUrls.join('   ')}   (the page shows a QR code; at most ${info.class.size} phones)`,
      );
    lines.push(`  Teacher opens  ${shown[0]}/?token=${running.token}`);
    lines.push(
      `  Token          ${running.token}   (changes need it: Authorization: Bearer <token>)`,
    );
  }
  lines.push('', '  Ctrl+C stops everything.', '');
  return lines.join('\n');
}
