import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, LabApi } from './lab-api.ts';
import { apiCalls } from '../../../trace/api-calls.ts';

function memory() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('LabApi', () => {
  it('takes ?token= once, keeps it in session storage and removes it from the address bar', () => {
    const api = new LabApi('', memory());
    const replaceState = vi.fn();
    api.adoptTokenFromUrl(
      { href: 'http://lab:4000/?token=s3cret&x=1' } as Location,
      { replaceState } as unknown as History,
    );
    expect(api.token).toBe('s3cret');
    expect(replaceState).toHaveBeenCalledWith(null, '', 'http://lab:4000/?x=1');
  });

  it('sends the token as a bearer, and turns error bodies into sentences', async () => {
    const api = new LabApi('', memory());
    api.setToken('t0k');
    const fetch = vi.fn(
      async () => new Response(JSON.stringify({ error: 'Send the token.' }), { status: 401 }),
    );
    vi.stubGlobal('fetch', fetch);
    const err = await api.send(apiCalls.server('s1', 'stop')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, message: 'Send the token.' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect([url, init.method]).toEqual(['/api/servers/s1/stop', 'POST']);
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer t0k');
  });

  it('says so when the hub does not answer', async () => {
    vi.stubGlobal('fetch', async () => Promise.reject(new TypeError('fetch failed')));
    await expect(new LabApi('', memory()).send(apiCalls.lab())).rejects.toMatchObject({
      status: 0,
      message: /did not answer/,
    });
  });
});
