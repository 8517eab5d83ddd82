/**
 * What the page's own controls hold, apart from the lab: the open tab and overlays, the picked
 * client and selected server, unfolded client groups, the plumbing switch, and the fields that
 * keys focus or click.
 */
import type { Tab } from '../components/page/SidePanel.svelte';

export class PageUi {
  tab = $state<Tab>('controls');
  helpOpen = $state(false);
  tokenOpen = $state(false);
  /** Servers whose client group is unfolded. */
  expanded = $state<string[]>([]);
  /** Show the lab's own monitor channel in Redis. */
  plumbing = $state(false);
  selectedServer = $state<string | null>(null);
  picked = $state<string | null>(null);
  fileError = $state<string | null>(null);
  fileInput = $state<HTMLInputElement | undefined>();
  messageInput = $state<HTMLInputElement | undefined>();

  pickClient(id: string | null): void {
    this.picked = id;
    if (id) this.tab = 'clients';
  }

  selectServer(id: string): void {
    this.selectedServer = id;
    this.tab = 'controls';
  }

  toggleGroup(server: string): void {
    this.expanded = this.expanded.includes(server)
      ? this.expanded.filter((s) => s !== server)
      : [...this.expanded, server];
  }

  /** Unfolds every group, or folds them all if any is open. */
  toggleAllGroups(servers: string[]): void {
    this.expanded = this.expanded.length ? [] : servers;
  }

  focusMessage(): void {
    this.tab = 'clients';
    setTimeout(() => this.messageInput?.focus(), 0);
  }
}
