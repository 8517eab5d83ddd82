/**
 * The phone page's state: a PhoneLink, mirrored into runes whenever it changes. The student's
 * place is kept for the tab (sessionStorage), so a reload comes back as the same student.
 */
import type { JoinAnswer, MissedReport, PhoneView } from '../../../trace/phone-protocol.ts';
import { PhoneLink, type LinkState, type Received } from './phone-link.ts';

const SAVED = 'fanout-lab:student';

export class PhoneSession {
  state = $state<LinkState>('out');
  me = $state.raw<JoinAnswer | null>(null);
  view = $state.raw<PhoneView | null>(null);
  rooms = $state.raw<string[]>([]);
  received = $state.raw<Received[]>([]);
  receivedCount = $state(0);
  missed = $state.raw<MissedReport | null>(null);
  note = $state<string | null>(null);
  dismissed = $state<string | null>(null);
  readonly link = new PhoneLink({
    hubUrl: '',
    serverHost: location.hostname,
    onChange: () => this.sync(),
  });

  private sync(): void {
    const l = this.link;
    this.state = l.state;
    this.me = l.me;
    this.view = l.view;
    this.rooms = l.rooms;
    this.received = [...l.received];
    this.receivedCount = l.receivedCount;
    this.missed = l.missed;
    this.note = l.note;
    this.dismissed = l.dismissed;
    if (l.state === 'removed') sessionStorage.removeItem(SAVED);
  }

  async join(name: string): Promise<string | null> {
    const error = await this.link.join(name);
    if (!error) sessionStorage.setItem(SAVED, JSON.stringify(this.link.me));
    this.sync();
    return error;
  }

  /** A reloaded page takes up the place it had, if the class still has it. */
  resume(): void {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? 'null') as JoinAnswer | null;
      if (saved?.id && saved.key) this.link.start(saved);
    } catch {
      sessionStorage.removeItem(SAVED);
    }
    this.sync();
  }
}
