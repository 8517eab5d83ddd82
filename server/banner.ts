import type { RunningLab } from './start-lab.ts';
import { lanAddresses } from './lan-addresses.ts';

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
  lines.push(
    `  Monitor        ${info.monitor.enabled ? `on, channel ${info.monitor.channel}` : 'off'}`,
  );
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
