/**
 * What the page's own controls hold, apart from the lab: the open tab and overlays, the picked
 * client and selected server, unfolded client groups, the plumbing switch, and the fields that
 * keys focus or click.
 */
/** The side panel's tabs (SidePanel.svelte); here so plain TypeScript can name them too. */
export type Tab = 'controls' | 'clients' | 'inspect' | 'log' | 'class';

export class PageUi {
  tab = $state<Tab>('controls');
  helpOpen = $state(false);
  tokenOpen = $state(false);
  /** Servers whose client group is unfolded. */
  expanded = $state<string[]>([]);
  /** The unfolded group the Clients panel lists, client by client. */
  listed = $state<string | null>(null);
  /** Show the lab's own monitor channel in Redis. */
  plumbing = $state(false);
  selectedServer = $state<string | null>(null);
  /** A server whose row in the Lab panel should take the focus (then cleared). */
  focusServer = $state<string | null>(null);
  picked = $state<string | null>(null);
  fileError = $state<string | null>(null);
  fileInput = $state<HTMLInputElement | undefined>();
  messageInput = $state<HTMLInputElement | undefined>();

  pickClient(id: string | null): void {
    this.picked = id;
    if (id) this.tab = 'clients';
  }

  /**
   * Selects a server in the Lab panel; picked by keyboard, its row's controls take the focus, so
   * Stop is one Tab away instead of dozens.
   */
  selectServer(id: string, byKeyboard = false): void {
    this.selectedServer = id;
    this.tab = 'controls';
    if (byKeyboard) this.focusServer = id;
  }

  toggleGroup(server: string): void {
    if (this.expanded.includes(server)) {
      this.expanded = this.expanded.filter((s) => s !== server);
      if (this.listed === server) this.listed = null;
      return;
    }
    this.expanded = [...this.expanded, server];
    // The stage has room for a few of a crowd's dots; the Clients panel lists every one.
    this.listed = server;
    this.tab = 'clients';
  }

  /** Unfolds every group, or folds them all if any is open. */
  toggleAllGroups(servers: string[]): void {
    this.expanded = this.expanded.length ? [] : servers;
    this.listed = null;
  }

  focusMessage(): void {
    this.tab = 'clients';
    setTimeout(() => this.messageInput?.focus(), 0);
  }
}
