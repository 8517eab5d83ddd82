/**
 * The hub listens on loopback by default, and then nothing needs a token. Exposed on any other
 * address, every call that changes something needs the token printed in the banner.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

export function makeToken(): string {
  return randomBytes(18).toString('base64url');
}

export function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  try {
    return new URL(req.url ?? '/', 'http://hub').searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

export function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
