/**
 * What a page tells the hub about the clients it holds: which they are (`POST /api/page/clients`)
 * and what they received (`POST /api/page/receipts`, step 10). Both go through the control API,
 * so an exposed hub asks for its token as for any change; the page's `/lab` socket only reads.
 * A page names itself by the id of that socket: its clients are listed while the socket is
 * connected and dropped with it, so a report from a page with no socket is refused (409).
 * Reports are rate-limited per page and per address, as the servers limit their clients (429).
 */
import type { LabClientInfo } from '../lab-clients.ts';
import { LabError } from '../lab-error.ts';
import { AddressBuckets, TokenBucket } from '../rate-limit.ts';
import { pageClientRoute } from '../balancer/balancer-routes.ts';
import { HttpError, field } from './http-json.ts';
import type { Route } from './api-routes.ts';

/** Reports a page may send a second (bursts of twice that); one address, four pages' worth. */
export const PAGE_REPORTS = { perSecond: 200, perAddress: 800 };

/** Socket.IO's socket ids: 20 characters of base64url. */
const PAGE_ID = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_RECEIPTS = 100;
const MAX_CLIENTS = 50;

interface OpenPage {
  address: string;
  own: TokenBucket;
  shared: TokenBucket;
}

/** The pages whose `/lab` socket is connected, with their report budgets. */
export class HubPages {
  private readonly open = new Map<string, OpenPage>();
  private readonly addresses = new AddressBuckets(
    PAGE_REPORTS.perAddress,
    PAGE_REPORTS.perAddress * 2,
  );

  /** The page's `/lab` socket connected. */
  opened(id: string, address: string): void {
    if (this.open.has(id)) return;
    const own = new TokenBucket(PAGE_REPORTS.perSecond, PAGE_REPORTS.perSecond * 2);
    this.open.set(id, { address, own, shared: this.addresses.hold(address) });
  }

  closed(id: string): void {
    const page = this.open.get(id);
    if (!page) return;
    this.open.delete(id);
    this.addresses.release(page.address);
  }

  get size(): number {
    return this.open.size;
  }

  /** Takes `count` reports from the page's budget and its address's, or says why not. */
  admit(id: string, count: number): void {
    const page = this.open.get(id);
    if (!page)
      throw new LabError(
        409,
        `No page of this hub has the /lab socket "${id}": connect to /lab first and report with that socket's id.`,
      );
    if (count === 0) return;
    const bucket = !page.own.take(count) ? page.own : !page.shared.take(count) ? page.shared : null;
    if (bucket)
      throw new HttpError(
        429,
        `This page reports more than ${bucket.ratePerSecond} a second${bucket === page.shared ? ' with the other pages of its address' : ''}; try again in ${bucket.waitMs(count)} ms.`,
      );
  }
}

function pageOf(body: Record<string, unknown>): string {
  return field.requiredString(body, 'page', PAGE_ID);
}

function clientOf(c: unknown): LabClientInfo[] {
  const { id, server, socketId, rooms, state, via, transports } = (c ?? {}) as Record<
    string,
    unknown
  >;
  if (typeof id !== 'string' || typeof server !== 'string') return [];
  return [
    {
      id: id.slice(0, 32),
      kind: 'page' as const,
      server: server.slice(0, 32),
      socketId: typeof socketId === 'string' ? socketId.slice(0, 32) : undefined,
      state: state === 'connected' ? ('connected' as const) : ('disconnected' as const),
      rooms: Array.isArray(rooms)
        ? rooms.filter((r): r is string => typeof r === 'string').slice(0, 20)
        : [],
      ...pageClientRoute(via, transports),
    },
  ];
}

export const pageReportRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/page\/clients$/,
    handler: async (lab, _p, body) => {
      const page = pageOf(body);
      const list = field.optionalArray(body, 'clients', MAX_CLIENTS) ?? [];
      lab.pages.admit(page, 1);
      const clients = list.flatMap(clientOf);
      lab.pageClients.set(page, clients);
      lab.changed();
      return [200, { clients: clients.length }];
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/page\/receipts$/,
    handler: async (lab, _p, body) => {
      const page = pageOf(body);
      const list = field.optionalArray(body, 'receipts', MAX_RECEIPTS) ?? [];
      lab.pages.admit(page, list.length);
      let taken = 0;
      for (const r of list) {
        const { client, socketId, server, event, args } = (r ?? {}) as Record<string, unknown>;
        if (
          typeof client !== 'string' ||
          typeof socketId !== 'string' ||
          typeof server !== 'string' ||
          typeof event !== 'string'
        )
          continue;
        lab.reportReceipt({
          client: client.slice(0, 32),
          socketId: socketId.slice(0, 32),
          server: server.slice(0, 32),
          event: event.slice(0, 64),
          args: Array.isArray(args) ? args.slice(0, 5) : [],
        });
        taken++;
      }
      return [200, { receipts: taken }];
    },
  },
];
