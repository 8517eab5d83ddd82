/**
 * The hub's control API (docs/api.md), the page's only way to change the lab: it sends the typed
 * calls of trace/api-calls.ts (`send(apiCalls.server('s2', 'crash'))`). When the hub is
 * exposed, changing calls need its token: taken once from `?token=` (then removed from the
 * address bar, so a projector never shows it) or pasted by the teacher, and kept in
 * sessionStorage for this tab only.
 */
import type { ApiCall } from '../../../trace/api-calls.ts';

const TOKEN_KEY = 'fanout-lab-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class LabApi {
  constructor(
    private readonly base = '',
    private readonly store: Pick<
      Storage,
      'getItem' | 'setItem' | 'removeItem'
    > | null = typeof sessionStorage !== 'undefined' ? sessionStorage : null,
  ) {}

  /** Moves `?token=` from the page address into session storage. */
  adoptTokenFromUrl(loc: Location = window.location, hist: History = window.history): void {
    const url = new URL(loc.href);
    const token = url.searchParams.get('token');
    if (!token) return;
    this.setToken(token);
    url.searchParams.delete('token');
    hist.replaceState(null, '', url.toString());
  }

  get token(): string | null {
    return this.store?.getItem(TOKEN_KEY) ?? null;
  }

  setToken(token: string | null): void {
    if (token) this.store?.setItem(TOKEN_KEY, token.trim());
    else this.store?.removeItem(TOKEN_KEY);
  }

  /** Sends one call; resolves with its reply's body, or throws an ApiError with the hub's sentence. */
  send<R>(call: ApiCall<R>): Promise<R> {
    return this.request<R>(call.method, call.path, call.body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'The hub did not answer. Is the lab running?');
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the status alone has to say what went wrong.
    }
    if (!res.ok) {
      const message =
        (parsed as { error?: string } | null)?.error ?? `The hub answered ${res.status}.`;
      throw new ApiError(res.status, message);
    }
    return parsed as T;
  }
}
