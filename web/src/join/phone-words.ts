/**
 * What the phone page says, in plain words a class reads at a glance: where the phone is, what
 * went wrong, and what it missed. Pure, so each sentence is tested.
 */
import type { MissedReport, PhoneView } from '../../../trace/phone-protocol.ts';
import type { LinkState } from './phone-link.ts';
import { plural } from '../../../trace/plural.ts';

export type Tone = 'ok' | 'warn' | 'bad';

export function statusOf(
  state: LinkState,
  view: PhoneView | null,
  server: string,
): { text: string; tone: Tone } {
  const s = view?.server ?? server;
  if (state === 'connecting') return { text: `Connecting to ${s}…`, tone: 'warn' };
  if (state === 'connected') {
    if (view?.link === 'lost')
      return {
        text: `Your server ${s} is cut off from Redis: you only hear the phones on ${s}.`,
        tone: 'warn',
      };
    return { text: `Connected to ${s}.`, tone: 'ok' };
  }
  if (view?.serverState === 'gone')
    return { text: `Your server ${s} was removed; waiting for another to move to…`, tone: 'bad' };
  if (view && view.serverState !== 'up')
    return { text: `Your server ${s} is down, reconnecting…`, tone: 'bad' };
  return { text: `Lost the connection to ${s}, reconnecting…`, tone: 'bad' };
}

export function missedText(report: MissedReport): string {
  const away = report.seconds >= 1 ? ` (${report.seconds} s)` : '';
  if (report.count === null)
    return `You are back${away}. The lab's monitor is off, so nothing counted what you missed.`;
  if (report.count === 0) return `You are back${away}, and you missed nothing.`;
  const about = report.atLeast ? 'at least ' : report.about ? 'about ' : '';
  return `You are back${away}. Meanwhile the others got ${about}${plural(report.count, 'message')} that never reached you.`;
}

/** Where a message came from and through which server it reached this phone. */
export function routeOf(m: { from?: string; via: string }): string {
  return m.from && m.from !== m.via ? `${m.from} → Redis → ${m.via}` : `via ${m.via}`;
}
